/*
 * test_sigv4 — SigV4 pieces against AWS's documented example vectors, and verification of a
 * botocore-signed DynamoDB request (vector generated with botocore's SigV4Auth, an
 * independent implementation).  Also the credentials file parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/sigv4.h"

static const char *AWS_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

static void hex32(const unsigned char k[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", k[i]);
}

/* AWS "Examples of how to derive a signing key for Signature Version 4". */
static void test_signing_key_doc_example(void **state)
{
    (void)state;
    unsigned char k[32];
    char hx[65];
    sigv4_signing_key(AWS_SECRET, "20120215", "us-east-1", "iam", k);
    hex32(k, hx);
    assert_string_equal(hx, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    sigv4_signing_key(AWS_SECRET, "20150830", "us-east-1", "iam", k);
    hex32(k, hx);
    assert_string_equal(hx, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

/* Digests and MACs through the contexts each thread keeps (sigv4.c): interleaved calls with
 * different keys, lengths and kinds give each its own answer (no state carried from one call
 * to the next), also on several threads at once.  Expected values: AWS's signing-key example
 * and hashlib/hmac (Python), SHA-256 "abc" and the 448-bit message of FIPS 180-2. */
static void *digests_round(void *arg)
{
    int rounds = *(const int *)arg;
    unsigned char ka[32], kb[32], k[32];
    for (int i = 0; i < 32; i++) {
        ka[i] = (unsigned char)i;
        kb[i] = 0xaa;
    }
    static const char m1[] = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/"
                             "aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef2"
                             "3edd43b7e1a59";
    static const char m2[] = "what do ya want for nothing?";
    unsigned char m3[1000];
    for (int i = 0; i < 1000; i++)
        m3[i] = (unsigned char)((i * 7 + 3) % 256);
    char h[65];
    bool ok = true;
#define DIGEST_IS(want) (ok = ok && strcmp(h, want) == 0)
    for (int r = 0; r < rounds; r++) {
        sigv4_signature(ka, m1, sizeof m1 - 1, h);
        DIGEST_IS("95cff393e4836f69426264f7873f4077839d862b7aba34f3d747e3b794ba222e");
        sigv4_sha256_hex("abc", 3, h);
        DIGEST_IS("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        sigv4_signature(kb, m2, sizeof m2 - 1, h);
        DIGEST_IS("40f7684c3cbd90ba46f70247ca1d7cc692d673f434b66926a93c7f224ec74a5e");
        sigv4_signing_key(AWS_SECRET, "20120215", "us-east-1", "iam", k);
        hex32(k, h);
        DIGEST_IS("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
        sigv4_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
        DIGEST_IS("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        sigv4_signature(ka, m3, sizeof m3, h);
        DIGEST_IS("13f22d9be5636c710a12699e36a0390622d622f876e5aec2ddd33db4862cfd4f");
        sigv4_sha256_hex(m3, sizeof m3, h);
        DIGEST_IS("1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371");
        sigv4_signature(kb, "", 0, h);
        DIGEST_IS("63210aee265762634fa3db8c1aa920dcd07d31ec297309580394a21412f83372");
        sigv4_sha256_hex(NULL, 0, h);
        DIGEST_IS("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
#undef DIGEST_IS
    return ok ? (void *)1 : NULL;
}

static void test_digests_interleaved_and_threaded(void **state)
{
    (void)state;
    int rounds = 3;
    assert_non_null(digests_round(&rounds));
    rounds = 200;
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, digests_round, &rounds), 0);
    for (int i = 0; i < 4; i++) {
        void *ok = NULL;
        assert_int_equal(pthread_join(t[i], &ok), 0);
        assert_non_null(ok);
    }
}

static void test_sha256_empty(void **state)
{
    (void)state;
    char h[65];
    sigv4_sha256_hex("", 0, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* AWS's IAM ListUsers example (GET with a query string, SigV4 documentation):
 * canonical request hash f536975d..., signature 5d672d79... */
static const sigv4_param iam_params[] = {{"Version", "2010-05-08"}, {"Action", "ListUsers"}};
static const sigv4_header iam_headers[] = {
    {"Host", "iam.amazonaws.com"},
    {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
    {"X-Amz-Date", "20150830T123600Z"},
};

static void test_iam_example(void **state)
{
    (void)state;
    sigv4_request req = {.method = "GET",
                         .path = "/",
                         .params = iam_params,
                         .n_params = 2,
                         .headers = iam_headers,
                         .n_headers = 3,
                         .body = "",
                         .body_len = 0};
    buf_t canon, sts;
    buf_init(&canon, 0);
    buf_init(&sts, 0);
    err_t e = {0};
    assert_int_equal(sigv4_canonical_request(&req, "content-type;host;x-amz-date", &canon, &e), 0);
    const char *expect_canon = "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
                               "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
                               "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                               "content-type;host;x-amz-date\n"
                               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert_int_equal(canon.len, strlen(expect_canon));
    assert_memory_equal(canon.data, expect_canon, canon.len);
    char h[65];
    sigv4_sha256_hex(canon.data, canon.len, h);
    assert_string_equal(h, "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
    assert_int_equal(sigv4_string_to_sign("20150830T123600Z", "20150830/us-east-1/iam/aws4_request",
                                          canon.data, canon.len, &sts, &e),
                     0);
    const char *expect_sts = "AWS4-HMAC-SHA256\n20150830T123600Z\n"
                             "20150830/us-east-1/iam/aws4_request\n"
                             "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59";
    assert_int_equal(sts.len, strlen(expect_sts));
    assert_memory_equal(sts.data, expect_sts, sts.len);
    unsigned char k[32];
    char sig[65];
    sigv4_signing_key(AWS_SECRET, "20150830", "us-east-1", "iam", k);
    sigv4_signature(k, sts.data, sts.len, sig);
    assert_string_equal(sig, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    buf_fini(&canon);
    buf_fini(&sts);
}

/* AWS's query-string signing example ("Authenticating Requests: Using Query Parameters",
 * Amazon S3 API Reference: GET examplebucket/test.txt, 20130524T000000Z, X-Amz-Expires 86400,
 * signature aeeed9bb...): the presigned form's canonical request leaves X-Amz-Signature out of
 * the query and puts UNSIGNED-PAYLOAD on the payload line (sigv4_verify_query sets both). */
static void test_presigned_example(void **state)
{
    (void)state;
    static const sigv4_param ps[] = {
        {"X-Amz-Signature", "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"},
        {"X-Amz-SignedHeaders", "host"},
        {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
        {"X-Amz-Expires", "86400"},
        {"X-Amz-Date", "20130524T000000Z"},
        {"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"},
    };
    static const sigv4_header hs[] = {{"Host", "examplebucket.s3.amazonaws.com"}};
    sigv4_request req = {.method = "GET", .path = "/test.txt", .params = ps, .n_params = 6,
                         .headers = hs, .n_headers = 1, .body = "", .body_len = 0,
                         .skip_signature_param = true, .payload_line = "UNSIGNED-PAYLOAD"};
    buf_t canon, sts;
    buf_init(&canon, 0);
    buf_init(&sts, 0);
    err_t e = {0};
    assert_int_equal(sigv4_canonical_request(&req, "host", &canon, &e), 0);
    const char *expect_canon =
        "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE"
        "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires="
        "86400&X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\nhost\n"
        "UNSIGNED-PAYLOAD";
    assert_int_equal(canon.len, strlen(expect_canon));
    assert_memory_equal(canon.data, expect_canon, canon.len);
    assert_int_equal(sigv4_string_to_sign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
                                          canon.data, canon.len, &sts, &e),
                     0);
    unsigned char k[32];
    char sig[65];
    /* the S3 examples' secret has '/' where the IAM examples' (AWS_SECRET) has '+' */
    sigv4_signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3", k);
    sigv4_signature(k, sts.data, sts.len, sig);
    assert_string_equal(sig, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    buf_fini(&canon);
    buf_fini(&sts);
}

/* Canonical headers as AWS's "Create a canonical request" says: names lower-cased, values
 * trimmed at both ends with each run of spaces/tabs inside as one space, a repeated header's
 * values joined with ',' in request order; the SignedHeaders line lower-cased. */
static void test_canonical_headers_trimmed(void **state)
{
    (void)state;
    static const sigv4_header hs[] = {
        {"Host", "example.com"},
        {"X-Amz-Meta", "  a \t b   c  "},
        {"x-amz-meta", "d\t\te"},
        {"X-Amz-Date", "\t20150830T123600Z"},
        {"X-Blank", " \t "},
    };
    sigv4_request req = {.method = "POST", .path = "/", .headers = hs, .n_headers = 5,
                         .body = "", .body_len = 0};
    buf_t canon;
    buf_init(&canon, 0);
    err_t e = {0};
    assert_int_equal(
        sigv4_canonical_request(&req, "Host;X-Amz-Date;X-Amz-Meta;x-blank", &canon, &e), 0);
    const char *want = "POST\n/\n\nhost:example.com\nx-amz-date:20150830T123600Z\n"
                       "x-amz-meta:a b c,d e\nx-blank:\n\nhost;x-amz-date;x-amz-meta;x-blank\n"
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert_int_equal(canon.len, strlen(want));
    assert_memory_equal(canon.data, want, canon.len);
    buf_fini(&canon);
}

/* The canonical URI is each path segment URI-encoded twice (AWS's "Create a canonical
 * request", every service but S3): a path of unreserved bytes and '/' stays as it is, any
 * other byte's %XX is encoded again.  Header names match in any case, whole names only; a
 * byte that is not a letter matches only itself ('@' is not '`'). */
static void test_canonical_uri_and_names(void **state)
{
    (void)state;
    static const sigv4_header hs[] = {
        {"X-Amz-Date-Extra", "no"}, {"x-AMZ-date", "20150830T123600Z"}, {"@x", "at"},
        {"`x", "tick"},             {"HOST", "h"},
    };
    static const struct {
        const char *path, *want;
    } paths[] = {
        {"/", "/"},
        {"", "/"},
        {"/Tables/x-1_2.3~", "/Tables/x-1_2.3~"},
        {"/a b/~x", "/a%2520b/~x"},
        {"/%7E", "/%25257E"},
        {"/\xc3\xa9", "/%25C3%25A9"},
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        sigv4_request req = {.method = "POST", .path = paths[i].path, .headers = hs,
                             .n_headers = 5, .body = "", .body_len = 0};
        buf_t canon;
        buf_init(&canon, 0);
        err_t e = {0};
        assert_int_equal(sigv4_canonical_request(&req, "host;X-Amz-Date;`x", &canon, &e), 0);
        char want[512];
        snprintf(want, sizeof want,
                 "POST\n%s\n\nhost:h\nx-amz-date:20150830T123600Z\n`x:tick\n\n"
                 "host;x-amz-date;`x\n"
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                 paths[i].want);
        assert_int_equal(canon.len, strlen(want));
        assert_memory_equal(canon.data, want, canon.len);
        buf_fini(&canon);
    }
    sigv4_request req = {.method = "POST", .path = "/", .headers = hs, .n_headers = 5};
    assert_string_equal(sigv4_header_get(&req, "X-Amz-Date"), "20150830T123600Z");
    assert_string_equal(sigv4_header_get(&req, "host"), "h");
    assert_string_equal(sigv4_header_get(&req, "`X"), "tick");
    assert_null(sigv4_header_get(&req, "X-Amz"));
    assert_null(sigv4_header_get(&req, "Date"));
}

static void test_parse_authorization(void **state)
{
    (void)state;
    sigv4_auth a;
    err_t e = {0};
    assert_int_equal(
        sigv4_parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            &a, &e),
        0);
    assert_string_equal(a.access_key, "AKIDEXAMPLE");
    assert_string_equal(a.date, "20150830");
    assert_string_equal(a.region, "us-east-1");
    assert_string_equal(a.service, "iam");
    assert_string_equal(a.signed_headers, "content-type;host;x-amz-date");
    assert_string_equal(a.signature,
                        "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");

    static const struct {
        const char *name, *hdr, *msg_prefix;
    } bad[] = {
        /* the items first, then the algorithm, then the Credential's parts (DynamoDB's order,
         * dynalite's index.js) */
        {"item without =", "AWS4-HMAC-SHA1 abc", "'abc' not a valid key=value pair"},
        {"other AWS4- algorithm",
         "AWS4-HMAC-SHA1 Credential=A/r, SignedHeaders=host, Signature=00",
         "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1' (only AWS4-HMAC-SHA256 for now). "},
        {"no signature",
         "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host",
         "Authorization header requires 'Signature' parameter."},
        {"short scope",
         "AWS4-HMAC-SHA256 Credential=A/20150830/r, SignedHeaders=host, Signature=00",
         "Credential must have exactly 5 slash-delimited elements, e.g. "
         "keyid/date/region/service/term, got 'A/20150830/r'"},
        {"six parts",
         "AWS4-HMAC-SHA256 Credential=A/b/c/d/e/f, SignedHeaders=host, Signature=00",
         "Credential must have exactly 5 slash-delimited elements, e.g. "
         "keyid/date/region/service/term, got 'A/b/c/d/e/f'"},
        {"no equals", "AWS4-HMAC-SHA256 garbage", "'garbage' not a valid key=value pair"},
    };
    /* not AWS4- at all: no token (AWS's MissingAuthenticationTokenException) */
    static const char *const no_token[] = {"Bearer abc", "AWS4", " AWS4 x", "", "aws4-x"};
    for (size_t i = 0; i < sizeof no_token / sizeof no_token[0]; i++) {
        err_clear(&e);
        assert_int_equal(sigv4_parse_authorization(no_token[i], &a, &e), ERR_MISSING_AUTH_TOKEN);
        assert_string_equal(e.msg, "Request is missing Authentication Token");
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_clear(&e);
        int rc = sigv4_parse_authorization(bad[i].hdr, &a, &e);
        if (rc != ERR_INCOMPLETE_SIGNATURE)
            fail_msg("%s: rc %d", bad[i].name, rc);
        if (strncmp(e.msg, bad[i].msg_prefix, strlen(bad[i].msg_prefix)) != 0)
            fail_msg("%s: message %s", bad[i].name, e.msg);
    }
}

/* sigv4_check_parts scans 16 bytes a step; the rule it keeps is this one, in bytes and libc
 * calls (the code before it scanned blocks): items split at commas and blanks after the
 * algorithm, an item without '=' refused, each of the three keys counted when its value is
 * not empty.  Random headers built from the pieces that matter, each in a heap block of
 * exactly its size (the ASan run catches a read past it), must get the same code and text. */
static int check_parts_bytes(const char *value, bool has_date, err_t *e)
{
    if (strncmp(value + strspn(value, " \t"), "AWS4-", 5) != 0)
        return err_set(e, ERR_MISSING_AUTH_TOKEN, "Request is missing Authentication Token");
    static const char *const want[] = {"Credential", "Signature", "SignedHeaders"};
    bool have[3] = {false, false, false};
    const char *p = value + strspn(value, " \t");
    p += strcspn(p, ", \t");
    while (*p) {
        p += strspn(p, ", \t");
        if (!*p)
            break;
        size_t n = strcspn(p, ", \t"), k = strcspn(p, "=");
        if (k >= n)
            return err_set(e, ERR_INCOMPLETE_SIGNATURE,
                           "'%.*s' not a valid key=value pair (missing equal-sign) in "
                           "Authorization header: '%.200s'.",
                           (int)n, p, value);
        for (int i = 0; i < 3; i++)
            if (k == strlen(want[i]) && memcmp(p, want[i], k) == 0 && n > k + 1)
                have[i] = true;
        p += n;
    }
    if (have[0] && have[1] && have[2])
        return 0;
    char msg[512];
    size_t o = 0;
    for (int i = 0; i < 3; i++)
        if (!have[i])
            o += (size_t)snprintf(msg + o, sizeof msg - o,
                                  "Authorization header requires '%s' parameter. ", want[i]);
    if (!has_date)
        snprintf(msg + o, sizeof msg - o,
                 "Authorization header requires existence of either a 'X-Amz-Date' or a "
                 "'Date' header. ");
    return err_set(e, ERR_INCOMPLETE_SIGNATURE, "%sAuthorization=%.200s", msg, value);
}

static void check_parts_same(const char *value)
{
    size_t n = strlen(value);
    char *v = malloc(n + 1); /* exactly its size */
    assert_non_null(v);
    memcpy(v, value, n + 1);
    for (int d = 0; d < 2; d++) {
        err_t a = {0}, b = {0};
        int ra = sigv4_check_parts(v, d, &a), rb = check_parts_bytes(v, d, &b);
        if (ra != rb || strcmp(a.msg, b.msg) != 0)
            fail_msg("[%s] has_date %d: %d '%s', bytes say %d '%s'", v, d, ra, a.msg, rb, b.msg);
    }
    free(v);
}

/* A key id past SIGV4_KEY_MAX (IAM's 128) parses with key_too_long, whatever its length (it
 * was the scope's "valid region" text, past ~200 bytes "Credential is too long."); the
 * scope's own faults still come first (hostile21). */
static void test_credential_long_key(void **state)
{
    (void)state;
    static const size_t lens[] = {SIGV4_KEY_MAX, SIGV4_KEY_MAX + 1, 300, 5000};
    char *v = malloc(5000 + 64);
    assert_non_null(v);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        memset(v, 'K', lens[i]);
        strcpy(v + lens[i], "/20150830/us-east-1/dynamodb/aws4_request");
        sigv4_auth a;
        memset(&a, 0, sizeof a);
        err_t e = {0};
        assert_int_equal(sigv4_parse_credential(v, strlen(v), &a, &e), 0);
        assert_int_equal(a.key_too_long, lens[i] > SIGV4_KEY_MAX);
        assert_int_equal(strlen(a.access_key), lens[i] > SIGV4_KEY_MAX ? 0 : lens[i]);
        assert_string_equal(a.region, "us-east-1");
        assert_string_equal(a.service, "dynamodb");
        assert_int_equal(sigv4_check_scope(&a, "20150830T000000Z", &e), 0);
        strcpy(v + lens[i], "/20150830/us-east-1/dynamodb/aws4_x");
        err_clear(&e);
        assert_int_equal(sigv4_parse_credential(v, strlen(v), &a, &e), 0);
        assert_int_equal(sigv4_check_scope(&a, "20150830T000000Z", &e), ERR_INVALID_SIGNATURE);
        assert_string_equal(e.msg, "Credential should be scoped with a valid terminator: "
                                   "'aws4_request', not 'aws4_x'. ");
    }
    free(v);
}

/* The scope's parts, each failing one its sentence, in DynamoDB's order and words (dynalite's
 * index.js records the capture of all four: region 'c', service 'd', terminator 'e', date
 * 'b'); trailing slashes are ignored; a key id that is empty names no key. */
static void test_check_scope(void **state)
{
    (void)state;
    static const struct {
        const char *cred, *msg;
    } cases[] = {
        {"K/20130609/us-east-1/dynamodb/aws4_request", ""},
        {"K/20130609/local/dynamodb/aws4_request/", ""},
        {"K/b//d/e",
         "Credential should be scoped to a valid region, not ''. Credential should be scoped to "
         "correct service: 'dynamodb'. Credential should be scoped with a valid terminator: "
         "'aws4_request', not 'e'. Date in Credential scope does not match YYYYMMDD from "
         "ISO-8601 version of date from HTTP: 'b' != '20130609', from '20130609T095204Z'."},
        {"K/20130609/us-east-1/iam/aws4_request",
         "Credential should be scoped to correct service: 'dynamodb'. "},
        {"K/20130608/us-east-1/dynamodb/aws4_request",
         "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
         "HTTP: '20130608' != '20130609', from '20130609T095204Z'."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sigv4_auth a;
        memset(&a, 0, sizeof a);
        err_t e = {0};
        assert_int_equal(sigv4_parse_credential(cases[i].cred, strlen(cases[i].cred), &a, &e), 0);
        int rc = sigv4_check_scope(&a, "20130609T095204Z", &e);
        if (rc != (cases[i].msg[0] ? ERR_INVALID_SIGNATURE : 0) ||
            (rc && strcmp(e.msg, cases[i].msg) != 0))
            fail_msg("%s: %d '%s'", cases[i].cred, rc, e.msg);
    }
    sigv4_auth a;
    memset(&a, 0, sizeof a);
    err_t e = {0};
    assert_int_equal(sigv4_parse_credential("/20130609/r/dynamodb/aws4_request", 33, &a, &e), 0);
    assert_true(a.key_too_long); /* no key id: none matches */
}

static void test_check_parts_as_bytes(void **state)
{
    (void)state;
    static const char *const fixed[] = {
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
        "AWS4-HMAC-SHA256 Credential=a,SignedHeaders=b,Signature=c",
        "AWS4-HMAC-SHA256 Credential=,SignedHeaders=b,Signature=c",
        "AWS4-HMAC-SHA256 Credential==,SignedHeaders==,Signature==",
        "AWS4-HMAC-SHA256 Credentials=a,SignedHeader=b,Signature",
        "AWS4-HMAC-SHA256 Credential=a\tSignedHeaders=b\t\t,Signature=c,",
        "AWS4-HMAC-SHA256 =Credential=a, Signature=c=d, SignedHeaders=x",
        "AWS4-HMAC-SHA256 Credential=a, Signature=b, SignedHeaders=c, x",
        "AWS4-",
        "AWS4-x",
        " \tAWS4-x ,",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 ",
        "Bearer x",
        "AWS4-HMAC-SHA256 abcdefghijklmnopqrstuvwxyz0123456789=",
        "AWS4-HMAC-SHA256 abcdefghijklmnopqrstuvwxyz0123456789",
        "AWS4-HMAC-SHA256 abcdefghijklmno=",
        "AWS4-HMAC-SHA256 abcdefghijklmnop",
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        check_parts_same(fixed[i]);
    static const char *const piece[] = {
        "Credential=", "Signature=",       "SignedHeaders=",       "Credential",
        "Signature",   "=",                ",",                    " ",
        "\t",          ", ",               "x",                    "AKIDEXAMPLE/2026",
        "=x",          "Credentials=",     "0123456789abcdef0123",
    };
    const size_t np = sizeof piece / sizeof piece[0];
    unsigned seed = 20;
    char v[400];
    for (int round = 0; round < 20000; round++) {
        const char *alg = (round & 3) == 0 ? " AWS4-H" : "AWS4-HMAC-SHA256 ";
        size_t o = (size_t)snprintf(v, sizeof v, "%s", alg);
        int parts = (int)(rand_r(&seed) % 16);
        for (int k = 0; k < parts; k++) {
            const char *s = piece[rand_r(&seed) % np];
            size_t l = strlen(s);
            if (o + l >= sizeof v)
                break;
            memcpy(v + o, s, l + 1);
            o += l;
        }
        check_parts_same(v);
    }
}

static void test_amz_date(void **state)
{
    (void)state;
    long long t = sigv4_parse_amz_date("20150830T123600Z");
    assert_int_equal(t, 1440938160LL);
    char s[17];
    sigv4_format_amz_date(t, s);
    assert_string_equal(s, "20150830T123600Z");
    assert_int_equal(sigv4_parse_amz_date("20150830T1236Z"), -1);
    assert_int_equal(sigv4_parse_amz_date("2015083OT123600Z"), -1);
    assert_int_equal(sigv4_parse_amz_date(NULL), -1);
}

/* A DynamoDB DescribeTable request signed by botocore at 2026-11-26T12:00:00Z. */
#define DDB_BODY "{\"TableName\":\"Music\"}"
#define DDB_SIG "0790cd70ebdc59fc15c6d2216a9dcabdb5bfbe3dbe29785e6d9d222acd3e2e6b"
#define DDB_AUTH(sig)                                                                              \
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/dynamodb/aws4_request, "           \
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" sig

static sigv4_request ddb_req(sigv4_header *h, const char *auth, const char *date)
{
    h[0] = (sigv4_header){"host", "127.0.0.1:8000"};
    h[1] = (sigv4_header){"Content-Type", "application/x-amz-json-1.0"};
    h[2] = (sigv4_header){"X-Amz-Target", "DynamoDB_20120810.DescribeTable"};
    h[3] = (sigv4_header){"X-Amz-Date", date};
    h[4] = (sigv4_header){"Authorization", auth};
    return (sigv4_request){.method = "POST",
                           .path = "/",
                           .headers = h,
                           .n_headers = auth ? 5 : 4,
                           .body = DDB_BODY,
                           .body_len = strlen(DDB_BODY)};
}

static void test_verify_botocore(void **state)
{
    (void)state;
    sigv4_creds *c;
    err_t e = {0};
    assert_int_equal(sigv4_creds_new(&c, &e), 0);
    assert_int_equal(sigv4_creds_add(c, "AKIDEXAMPLE", AWS_SECRET, &e), 0);
    long long now = sigv4_parse_amz_date("20261126T120500Z");
    sigv4_header h[5];
    sigv4_auth a;

    sigv4_request r = ddb_req(h, DDB_AUTH(DDB_SIG), "20261126T120000Z");
    assert_int_equal(sigv4_verify(&r, c, now, &a, &e), 0);
    assert_string_equal(a.access_key, "AKIDEXAMPLE");
    assert_string_equal(a.region, "us-east-1");

    /* header names in another case and extra spaces in a value still verify */
    h[1] = (sigv4_header){"content-TYPE", "  application/x-amz-json-1.0 "};
    err_clear(&e);
    assert_int_equal(sigv4_verify(&r, c, now, NULL, &e), 0);

    /* tampered body */
    r.body = "{\"TableName\":\"Musik\"}";
    err_clear(&e);
    assert_int_equal(sigv4_verify(&r, c, now, NULL, &e), ERR_INVALID_SIGNATURE);
    assert_string_equal(e.msg, "The request signature we calculated does not match the "
                               "signature you provided. Check your AWS Secret Access Key and "
                               "signing method. Consult the service documentation for details.");

    /* wrong secret */
    sigv4_creds *c2;
    assert_int_equal(sigv4_creds_new(&c2, &e), 0);
    assert_int_equal(sigv4_creds_add(c2, "AKIDEXAMPLE", "other", &e), 0);
    r = ddb_req(h, DDB_AUTH(DDB_SIG), "20261126T120000Z");
    err_clear(&e);
    assert_int_equal(sigv4_verify(&r, c2, now, NULL, &e), ERR_INVALID_SIGNATURE);
    sigv4_creds_free(c2);

    /* unknown key */
    r = ddb_req(h,
                "AWS4-HMAC-SHA256 Credential=NOPE/20261126/us-east-1/dynamodb/aws4_request, "
                "SignedHeaders=host, Signature=" DDB_SIG,
                "20261126T120000Z");
    err_clear(&e);
    assert_int_equal(sigv4_verify(&r, c, now, NULL, &e), ERR_UNRECOGNIZED_CLIENT);
    assert_string_equal(e.msg, "The security token included in the request is invalid.");

    /* Host not among the signed headers: AWS refuses with its own text before it compares
     * signatures (ddbchat verified a signature over the other headers and accepted it) */
    r = ddb_req(h,
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/dynamodb/aws4_request, "
                "SignedHeaders=content-type;x-amz-date;x-amz-target, Signature=" DDB_SIG,
                "20261126T120000Z");
    err_clear(&e);
    assert_int_equal(sigv4_verify(&r, c, now, NULL, &e), ERR_INVALID_SIGNATURE);
    assert_string_equal(e.msg,
                        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

    /* missing */
    r = ddb_req(h, NULL, "20261126T120000Z");
    err_clear(&e);
    assert_int_equal(sigv4_verify(&r, c, now, NULL, &e), ERR_MISSING_AUTH_TOKEN);
    assert_string_equal(e.msg, "Request is missing Authentication Token");

    /* expired: 20 minutes later */
    r = ddb_req(h, DDB_AUTH(DDB_SIG), "20261126T120000Z");
    err_clear(&e);
    assert_int_equal(sigv4_verify(&r, c, now + 15 * 60, NULL, &e), ERR_INVALID_SIGNATURE);
    assert_string_equal(e.msg, "Signature expired: 20261126T120000Z is now earlier than "
                               "20261126T120500Z (20261126T122000Z - 15 min.)");
    /* from the future */
    err_clear(&e);
    assert_int_equal(sigv4_verify(&r, c, now - 25 * 60, NULL, &e), ERR_INVALID_SIGNATURE);
    assert_string_equal(e.msg, "Signature not yet current: 20261126T120000Z is still later than "
                               "20261126T115500Z (20261126T114000Z + 15 min.)");
    sigv4_creds_free(c);
}

/* The derived signing key is kept per (secret, date, region, service) in a small per-thread
 * cache: requests signed with 6 keys (more than the cache holds), 2 dates and 2 regions,
 * interleaved over 3 rounds, each verify; and each, re-signed with the secret of the key
 * verified just before (which is in the cache), is refused -- a slot answers only for its own
 * secret.  One key's requests come in a row in each date and region, so a slot that
 * answered for another date or region would be used.  Signatures are made here with the
 * uncached sigv4_signing_key. */
static void sign_with(const char *ak, const char *secret, const char *amz_date,
                      const char *region, sigv4_header *h, char *auth, size_t auth_size,
                      sigv4_request *r)
{
    static const char sh[] = "content-type;host;x-amz-date;x-amz-target";
    *r = ddb_req(h, "", amz_date);
    buf_t canon, sts;
    buf_init(&canon, 1 << 16);
    buf_init(&sts, 1 << 16);
    err_t e = {0};
    assert_int_equal(sigv4_canonical_request(r, sh, &canon, &e), 0);
    char date[9], scope[128];
    memcpy(date, amz_date, 8);
    date[8] = '\0';
    snprintf(scope, sizeof scope, "%s/%s/dynamodb/aws4_request", date, region);
    assert_int_equal(sigv4_string_to_sign(amz_date, scope, canon.data, canon.len, &sts, &e), 0);
    unsigned char key[32];
    char sig[65];
    sigv4_signing_key(secret, date, region, "dynamodb", key);
    sigv4_signature(key, sts.data, sts.len, sig);
    snprintf(auth, auth_size,
             "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s", ak, scope, sh,
             sig);
    h[4].value = auth;
    buf_fini(&canon);
    buf_fini(&sts);
}

static void test_signing_key_cache(void **state)
{
    (void)state;
    static const char *const aks[] = {"AK0", "AK1", "AK2", "AK3", "AK4", "AK5"};
    static const char *const secrets[] = {"s0", "s1", "secret-two", "s3", "s4", "s5"};
    static const char *const dates[] = {"20261126T120000Z", "20261127T000100Z"};
    static const char *const regions[] = {"us-east-1", "eu-west-3"};
    sigv4_creds *c;
    err_t e = {0};
    assert_int_equal(sigv4_creds_new(&c, &e), 0);
    for (int i = 0; i < 6; i++)
        assert_int_equal(sigv4_creds_add(c, aks[i], secrets[i], &e), 0);
    size_t ok = 0, refused = 0;
    int prev = -1;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 6; i++) {
            for (int d = 0; d < 2; d++) {
                long long now = sigv4_parse_amz_date(dates[d]);
                for (int g = 0; g < 2; g++) {
                    sigv4_header h[5];
                    char auth[512];
                    sigv4_request r;
                    sign_with(aks[i], secrets[i], dates[d], regions[g], h, auth, sizeof auth,
                              &r);
                    err_clear(&e);
                    assert_int_equal(sigv4_verify(&r, c, now, NULL, &e), 0);
                    ok++;
                    if (prev >= 0 && prev != i) { /* key i's id, the cached secret of prev */
                        sign_with(aks[i], secrets[prev], dates[d], regions[g], h, auth,
                                  sizeof auth, &r);
                        err_clear(&e);
                        assert_int_equal(sigv4_verify(&r, c, now, NULL, &e),
                                         ERR_INVALID_SIGNATURE);
                        refused++;
                    }
                    prev = i;
                }
            }
        }
    }
    assert_int_equal(ok, 72);
    assert_true(refused >= 15);
    sigv4_creds_free(c);
}

/* X-Amz-Content-Sha256: a matching value verifies, a wrong one is refused. */
static void test_content_sha256_header(void **state)
{
    (void)state;
    sigv4_creds *c;
    err_t e = {0};
    assert_int_equal(sigv4_creds_new(&c, &e), 0);
    assert_int_equal(sigv4_creds_add(c, "AKIDEXAMPLE", AWS_SECRET, &e), 0);
    long long now = sigv4_parse_amz_date("20261126T120500Z");
    sigv4_header h[6];
    sigv4_request r = ddb_req(h, DDB_AUTH(DDB_SIG), "20261126T120000Z");
    char sha[65];
    sigv4_sha256_hex(DDB_BODY, strlen(DDB_BODY), sha);
    h[5] = (sigv4_header){"X-Amz-Content-Sha256", sha};
    r.n_headers = 6;
    assert_int_equal(sigv4_verify(&r, c, now, NULL, &e), 0);
    h[5].value = "0000000000000000000000000000000000000000000000000000000000000000";
    err_clear(&e);
    assert_int_equal(sigv4_verify(&r, c, now, NULL, &e), ERR_INVALID_SIGNATURE);
    assert_string_equal(e.msg, "The provided 'x-amz-content-sha256' header does not match what "
                               "was computed.");
    sigv4_creds_free(c);
}

/* Garbage Authorization headers (seeded PRNG over a pieces-of-the-grammar alphabet) never
 * crash and never verify; run under ASan in the sanitizer build. */
static void test_garbage_headers(void **state)
{
    (void)state;
    static const char *pieces[] = {"AWS4-HMAC-SHA256",
                                   " ",
                                   ",",
                                   "=",
                                   "/",
                                   "Credential",
                                   "SignedHeaders",
                                   "Signature",
                                   "aws4_request",
                                   "host",
                                   ";",
                                   "AKID",
                                   "20261126",
                                   "dynamodb",
                                   "\t",
                                   "x-amz-date",
                                   "0123456789abcdef",
                                   "",
                                   "==",
                                   ",,"};
    sigv4_creds *c;
    err_t e = {0};
    assert_int_equal(sigv4_creds_new(&c, &e), 0);
    assert_int_equal(sigv4_creds_add(c, "AKID", "secret", &e), 0);
    unsigned seed = 12345;
    char hdr[600];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 0;
        int parts = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 24;
        for (int i = 0; i < parts; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *pc = pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])];
            size_t l = strlen(pc);
            if (n + l + 1 >= sizeof hdr)
                break;
            memcpy(hdr + n, pc, l);
            n += l;
        }
        hdr[n] = '\0';
        sigv4_auth a;
        err_clear(&e);
        (void)sigv4_parse_authorization(hdr, &a, &e);
        sigv4_header h[3] = {
            {"Host", "h"}, {"X-Amz-Date", "20261126T120000Z"}, {"Authorization", hdr}};
        sigv4_request r = {.method = "POST",
                           .path = "/",
                           .headers = h,
                           .n_headers = 3,
                           .body = "{}",
                           .body_len = 2};
        err_clear(&e);
        assert_int_not_equal(
            sigv4_verify(&r, c, sigv4_parse_amz_date("20261126T120000Z"), NULL, &e), 0);
        assert_true(e.msg[0] != '\0');
    }
    sigv4_creds_free(c);
}

static void test_creds_file(void **state)
{
    (void)state;
    char path[] = "/tmp/test_sigv4_credsXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "# keys\n\nAKID1 secret1\n  AKID2\tsecret/2+x  \r\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    sigv4_creds *c;
    err_t e = {0};
    assert_int_equal(sigv4_creds_new(&c, &e), 0);
    assert_int_equal(sigv4_creds_load_file(c, path, &e), 0);
    assert_int_equal(sigv4_creds_count(c), 2);
    assert_string_equal(sigv4_creds_secret(c, "AKID1"), "secret1");
    assert_string_equal(sigv4_creds_secret(c, "AKID2"), "secret/2+x");
    assert_null(sigv4_creds_secret(c, "AKID3"));
    sigv4_creds_free(c);

    FILE *f = fopen(path, "w");
    fputs("AKID1 secret1\nonlyonefield\n", f);
    fclose(f);
    assert_int_equal(sigv4_creds_new(&c, &e), 0);
    err_clear(&e);
    assert_int_equal(sigv4_creds_load_file(c, path, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, ":2:"));
    sigv4_creds_free(c);
    unlink(path);

    assert_int_equal(sigv4_creds_new(&c, &e), 0);
    err_clear(&e);
    assert_int_equal(sigv4_creds_load_file(c, "/nonexistent/creds", &e), ERR_IO);
    sigv4_creds_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signing_key_doc_example),
        cmocka_unit_test(test_sha256_empty),
        cmocka_unit_test(test_digests_interleaved_and_threaded),
        cmocka_unit_test(test_iam_example),
        cmocka_unit_test(test_presigned_example),
        cmocka_unit_test(test_canonical_headers_trimmed),
        cmocka_unit_test(test_canonical_uri_and_names),
        cmocka_unit_test(test_parse_authorization),
        cmocka_unit_test(test_credential_long_key),
        cmocka_unit_test(test_check_scope),
        cmocka_unit_test(test_check_parts_as_bytes),
        cmocka_unit_test(test_amz_date),
        cmocka_unit_test(test_verify_botocore),
        cmocka_unit_test(test_signing_key_cache),
        cmocka_unit_test(test_content_sha256_header),
        cmocka_unit_test(test_garbage_headers),
        cmocka_unit_test(test_creds_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
