/*
 * ddb_proto — DynamoDB JSON protocol: auth, routing, the reply writer.  Layer: server.
 * See ddb_proto.h.  Behaviour pinned by tests/e2e/test_protocol.py (against both ddbchat and
 * DynamoDB Local) and tests/unit/server/test_ddb_proto.c.
 *
 * Compatibility notes (what DynamoDB / DynamoDB Local do):
 *  - GET / answers "healthy: dynamodb.<region>.amazonaws.com " (real DynamoDB's health check;
 *    DynamoDB Local answers an error instead); other methods and paths get AWS's 404
 *    "<UnknownOperationException/>\n" (http_routes.c routes them).
 *  - CORS as AWS answers it (dynalite's connection tests, recorded against AWS): an OPTIONS
 *    with an Origin header is a 200 preflight echoing the requested headers and method
 *    (ddb_proto_preflight; http_routes.c adds the Access-Control-* headers), and every reply to a
 *    request with an Origin carries Access-Control-Allow-Origin: *.
 *  - Overload is ThrottlingException (400, "Rate of requests exceeds the allowed throughput."):
 *    both botocore and the JS SDK v3 classify it as a throttling error and retry with backoff.
 *  - Without configured credentials any signature is accepted, but an Authorization header
 *    must be present, as in DynamoDB Local; its absence is AWS's
 *    MissingAuthenticationTokenException, an "AWS4-" one without its Credential, Signature or
 *    SignedHeaders AWS's IncompleteSignatureException (sigv4_check_parts), and a presigned
 *    query is read as AWS reads it (sigv4_check_query).  The body's JSON and the target are
 *    checked first (AWS's order).
 *  - A body whose Content-Type is neither application/json nor application/x-amz-json-1.0
 *    (parameters such as a charset aside) is AWS's 404 <UnknownOperationException/>; the
 *    reply's Content-Type is application/x-amz-json-1.0 when the request's is, else
 *    application/json (dp_content_type; DynamoDB Local serves any type).
 *  - Malformed JSON / a non-object body is a SerializationException (400); DynamoDB Local
 *    answers 500 InternalFailure there.
 */
#include "server/ddb_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <pthread.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "value/av.h"
#include "value/crc.h"
#include "value/jout.h"
#include "value/jread.h"

#define DDB_PROTO_NS "com.amazonaws.dynamodb.v20120810#"
#define DDB_PROTO_NS_VALIDATE "com.amazon.coral.validate#"
#define DDB_PROTO_NS_SERVICE "com.amazon.coral.service#"

/* AWS's (dynalite's connection tests; sigv4.c's with credentials); DynamoDB Local answers
 * "MissingAuthenticationToken", "Request must contain either a valid (registered) AWS access
 * key ID or X.509 certificate." */
#define TXT_MISSING_AUTH "Request is missing Authentication Token"
#define TXT_TOO_LARGE "Request size exceeds the maximum allowed size of 16777216 bytes."
#define TXT_THROTTLED "Rate of requests exceeds the allowed throughput."
#define TXT_NOT_FOUND "<UnknownOperationException/>\n"

static void ddb_proto_set_body(ddb_proto_resp *resp, char *body, size_t len)
{
    free(resp->body);
    resp->body = body;
    resp->body_len = body ? len : 0;
    resp->crc32 = crc_ieee(0, body, resp->body_len);
}

/* A copy of s with every byte that does not start a valid UTF-8 sequence replaced by U+FFFD,
 * so a message quoting a header (which need not be UTF-8) still dumps as JSON.  NULL: no
 * memory. */
static char *ddb_proto_utf8_clean(const char *s, size_t len, size_t *out_len)
{
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        unsigned c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (n <= len - i && av_utf8_valid(s + i, n)) {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3); /* U+FFFD */
            o += 3;
            i++;
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* ---- request ids ------------------------------------------------------------------ */

/* The request ids' generator (ddb_proto_request_id): xoshiro256**, per thread. */
static _Thread_local uint64_t ddb_proto_rng[4];
static _Thread_local bool ddb_proto_rng_seeded;

static uint64_t ddb_proto_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* Seeds this thread's generator, once (getrandom; the clock, pid and a stack address if it
 * fails). */
static __attribute__((noinline, cold)) void ddb_proto_rng_seed(void)
{
    uint64_t *s = ddb_proto_rng;
    if (getrandom(s, sizeof ddb_proto_rng, 0) != (ssize_t)sizeof ddb_proto_rng) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t z = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
                     ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)&ts;
        for (int i = 0; i < 4; i++) { /* splitmix64 */
            z += 0x9e3779b97f4a7c15ULL;
            uint64_t x = z;
            x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
            x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
            s[i] = x ^ (x >> 31);
        }
    }
    if (!(s[0] | s[1] | s[2] | s[3]))
        s[0] = 1;
    ddb_proto_rng_seeded = true;
}

/* The next draw of the state s (xoshiro256**): a local copy of the thread's state, so that
 * the request id's five draws are not five loads and stores of thread-local memory. */
static inline uint64_t ddb_proto_rng_step(uint64_t s[4])
{
    uint64_t r = ddb_proto_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ddb_proto_rotl(s[3], 45);
    return r;
}

/* A request id as AWS's look (DDB_PROTO_REQUEST_ID_LEN characters of [0-9A-Z]) into out.
 * The ids only need to be unique, not unpredictable: a per-thread xoshiro256** seeded once
 * from getrandom (libuuid's generator re-seeded random() and made syscalls on every request).
 * Twelve characters from each 64-bit draw (36^12 < 2^64), five draws, two at a time from a
 * table of the 1,296 pairs: the draw is read as a fraction of 2^64, and each step takes the
 * integer part of it times 1,296 (the high half of a 64x64-bit product) as the next pair and
 * keeps the fraction (the low half).  A multiplication a pair where v % 1296 and v / 1296
 * took ~20 instructions: a reply's start (ddb_proto_resp_start), 701 instructions a request,
 * is 346 now.  Every pair of the table stays as likely as the next (to within 2^-33 at a
 * draw's sixth pair).
 * tests/unit/server/test_ddb_proto.c test_request_id_characters. */
_Static_assert(DDB_PROTO_REQUEST_ID_LEN % 2 == 0, "request id digits are taken in pairs");
/* The 1,296 pairs of base-36 digits: at 2r, r % 36's digit, then r / 36's. */
static const char ddb_proto_b36_pairs[2 * 1296 + 1] =
    "00102030405060708090A0B0C0D0E0F0G0H0I0J0K0L0M0N0O0P0Q0R0S0T0U0V0W0X0Y0Z0"
    "01112131415161718191A1B1C1D1E1F1G1H1I1J1K1L1M1N1O1P1Q1R1S1T1U1V1W1X1Y1Z1"
    "02122232425262728292A2B2C2D2E2F2G2H2I2J2K2L2M2N2O2P2Q2R2S2T2U2V2W2X2Y2Z2"
    "03132333435363738393A3B3C3D3E3F3G3H3I3J3K3L3M3N3O3P3Q3R3S3T3U3V3W3X3Y3Z3"
    "04142434445464748494A4B4C4D4E4F4G4H4I4J4K4L4M4N4O4P4Q4R4S4T4U4V4W4X4Y4Z4"
    "05152535455565758595A5B5C5D5E5F5G5H5I5J5K5L5M5N5O5P5Q5R5S5T5U5V5W5X5Y5Z5"
    "06162636465666768696A6B6C6D6E6F6G6H6I6J6K6L6M6N6O6P6Q6R6S6T6U6V6W6X6Y6Z6"
    "07172737475767778797A7B7C7D7E7F7G7H7I7J7K7L7M7N7O7P7Q7R7S7T7U7V7W7X7Y7Z7"
    "08182838485868788898A8B8C8D8E8F8G8H8I8J8K8L8M8N8O8P8Q8R8S8T8U8V8W8X8Y8Z8"
    "09192939495969798999A9B9C9D9E9F9G9H9I9J9K9L9M9N9O9P9Q9R9S9T9U9V9W9X9Y9Z9"
    "0A1A2A3A4A5A6A7A8A9AAABACADAEAFAGAHAIAJAKALAMANAOAPAQARASATAUAVAWAXAYAZA"
    "0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFBGBHBIBJBKBLBMBNBOBPBQBRBSBTBUBVBWBXBYBZB"
    "0C1C2C3C4C5C6C7C8C9CACBCCCDCECFCGCHCICJCKCLCMCNCOCPCQCRCSCTCUCVCWCXCYCZC"
    "0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFDGDHDIDJDKDLDMDNDODPDQDRDSDTDUDVDWDXDYDZD"
    "0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFEGEHEIEJEKELEMENEOEPEQERESETEUEVEWEXEYEZE"
    "0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFFFGFHFIFJFKFLFMFNFOFPFQFRFSFTFUFVFWFXFYFZF"
    "0G1G2G3G4G5G6G7G8G9GAGBGCGDGEGFGGGHGIGJGKGLGMGNGOGPGQGRGSGTGUGVGWGXGYGZG"
    "0H1H2H3H4H5H6H7H8H9HAHBHCHDHEHFHGHHHIHJHKHLHMHNHOHPHQHRHSHTHUHVHWHXHYHZH"
    "0I1I2I3I4I5I6I7I8I9IAIBICIDIEIFIGIHIIIJIKILIMINIOIPIQIRISITIUIVIWIXIYIZI"
    "0J1J2J3J4J5J6J7J8J9JAJBJCJDJEJFJGJHJIJJJKJLJMJNJOJPJQJRJSJTJUJVJWJXJYJZJ"
    "0K1K2K3K4K5K6K7K8K9KAKBKCKDKEKFKGKHKIKJKKKLKMKNKOKPKQKRKSKTKUKVKWKXKYKZK"
    "0L1L2L3L4L5L6L7L8L9LALBLCLDLELFLGLHLILJLKLLLMLNLOLPLQLRLSLTLULVLWLXLYLZL"
    "0M1M2M3M4M5M6M7M8M9MAMBMCMDMEMFMGMHMIMJMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZM"
    "0N1N2N3N4N5N6N7N8N9NANBNCNDNENFNGNHNINJNKNLNMNNNONPNQNRNSNTNUNVNWNXNYNZN"
    "0O1O2O3O4O5O6O7O8O9OAOBOCODOEOFOGOHOIOJOKOLOMONOOOPOQOROSOTOUOVOWOXOYOZO"
    "0P1P2P3P4P5P6P7P8P9PAPBPCPDPEPFPGPHPIPJPKPLPMPNPOPPPQPRPSPTPUPVPWPXPYPZP"
    "0Q1Q2Q3Q4Q5Q6Q7Q8Q9QAQBQCQDQEQFQGQHQIQJQKQLQMQNQOQPQQQRQSQTQUQVQWQXQYQZQ"
    "0R1R2R3R4R5R6R7R8R9RARBRCRDRERFRGRHRIRJRKRLRMRNRORPRQRRRSRTRURVRWRXRYRZR"
    "0S1S2S3S4S5S6S7S8S9SASBSCSDSESFSGSHSISJSKSLSMSNSOSPSQSRSSSTSUSVSWSXSYSZS"
    "0T1T2T3T4T5T6T7T8T9TATBTCTDTETFTGTHTITJTKTLTMTNTOTPTQTRTSTTTUTVTWTXTYTZT"
    "0U1U2U3U4U5U6U7U8U9UAUBUCUDUEUFUGUHUIUJUKULUMUNUOUPUQURUSUTUUUVUWUXUYUZU"
    "0V1V2V3V4V5V6V7V8V9VAVBVCVDVEVFVGVHVIVJVKVLVMVNVOVPVQVRVSVTVUVVVWVXVYVZV"
    "0W1W2W3W4W5W6W7W8W9WAWBWCWDWEWFWGWHWIWJWKWLWMWNWOWPWQWRWSWTWUWVWWWXWYWZW"
    "0X1X2X3X4X5X6X7X8X9XAXBXCXDXEXFXGXHXIXJXKXLXMXNXOXPXQXRXSXTXUXVXWXXXYXZX"
    "0Y1Y2Y3Y4Y5Y6Y7Y8Y9YAYBYCYDYEYFYGYHYIYJYKYLYMYNYOYPYQYRYSYTYUYVYWYXYYYZY"
    "0Z1Z2Z3Z4Z5Z6Z7Z8Z9ZAZBZCZDZEZFZGZHZIZJZKZLZMZNZOZPZQZRZSZTZUZVZWZXZYZZZ";

/* The next n / 2 pairs of out from the fraction v. */
static inline void ddb_proto_id_pairs(char *out, uint64_t v, int n)
{
    for (int k = 0; k < n; k += 2) {
        unsigned __int128 m = (unsigned __int128)v * 1296u;
        memcpy(out + k, ddb_proto_b36_pairs + 2 * (size_t)(m >> 64), 2);
        v = (uint64_t)m;
    }
}

static void ddb_proto_request_id(char out[DDB_PROTO_REQUEST_ID_LEN + 1])
{
    enum { FULL = DDB_PROTO_REQUEST_ID_LEN / 12, REST = DDB_PROTO_REQUEST_ID_LEN % 12 };
    if (__builtin_expect(!ddb_proto_rng_seeded, 0))
        ddb_proto_rng_seed();
    uint64_t s[4];
    memcpy(s, ddb_proto_rng, sizeof s);
    for (int d = 0; d < FULL; d++) /* constant trip counts: unrolled */
        ddb_proto_id_pairs(out + 12 * d, ddb_proto_rng_step(s), 12);
    if (REST)
        ddb_proto_id_pairs(out + 12 * FULL, ddb_proto_rng_step(s), REST);
    memcpy(ddb_proto_rng, s, sizeof s);
    out[DDB_PROTO_REQUEST_ID_LEN] = '\0';
}

/* The one error writer.  type_override: a __type name outside the error table (or NULL).
 * msg: msg_len bytes, a U+0000 inside kept (an echoed value: final18 F5).  extra: members to add (a tree; NULL: none); xw: more, as one JSON object's text
 * (api_call_out's error extras, written without a tree: an item in them costs its text;
 * NULL or empty: none), after extra's. */
static void ddb_proto_error_x(ddb_proto_resp *resp, int code, const char *type_override,
                              const char *msg, size_t msg_len, json_t *extra, jout *xw)
{
    const char *type = type_override ? type_override : err_type(code);
    /* AWS's request-model errors keep the framework's namespaces: a ValidationException is
     * "com.amazon.coral.validate#", a SerializationException "com.amazon.coral.service#" with
     * its text under "Message" (dynalite's AWS-recorded assertSerialization, Dynoxide's
     * errors.rs; test_protocol test_serialization_error_body) */
    /* the namespace and the message's key are the error table's (err_wire): AWS's request
     * framework writes its own types (validation, serialization, routing, authentication, the
     * authorizer's AccessDeniedException with "Message") as com.amazon.coral.*# (dynalite's
     * connection and tag tests, recorded against AWS; review18 L4/L10) */
    err_wire_kind wk = type_override ? ERR_WIRE_SERVICE : err_wire(code);
    /* "Message" for the framework's capitalised types and TransactionCanceledException, and
     * for a ConditionalCheckFailedException that carries the old Item (AWS: LocalStack's
     * snapshot validated 2024-01-03, moto's AWS-verified exceptions; without an Item it is
     * "message"): test_protocol test_message_key_of_cancel_and_condition_item_errors */
    bool has_extra = (extra && json_is_object(extra) && json_object_size(extra) > 0) ||
                     (xw && xw->len > 2);
    bool ser = wk == ERR_WIRE_FRAMEWORK_CAP || wk == ERR_WIRE_SERVICE_CAP ||
               (code == ERR_CONDITIONAL_CHECK_FAILED && !type_override && has_extra);
    const char *ns = DDB_PROTO_NS;
    if (wk == ERR_WIRE_VALIDATE)
        ns = DDB_PROTO_NS_VALIDATE;
    else if (wk == ERR_WIRE_FRAMEWORK || wk == ERR_WIRE_FRAMEWORK_CAP)
        ns = DDB_PROTO_NS_SERVICE;
    else if (wk == ERR_WIRE_AVAILABILITY)
        ns = "com.amazon.coral.availability#";
    char full[192];
    snprintf(full, sizeof full, "%s%s", ns, type);
    snprintf(resp->error_type, sizeof resp->error_type, "%s", type);
    resp->status = err_status(code);
    json_t *o = json_object();
    char *text = NULL;
    if (o) {
        json_object_set_new(o, "__type", json_string(full));
        if (msg && msg_len) {
            json_t *m = json_stringn(msg, msg_len);
            if (!m) { /* not valid UTF-8 (a quoted header): keep the body valid JSON */
                size_t cl = 0;
                char *clean = ddb_proto_utf8_clean(msg, msg_len, &cl);
                m = clean ? json_stringn(clean, cl) : NULL;
                free(clean);
            }
            json_object_set_new(o, ser ? "Message" : "message", m);
        }
        if (extra && json_is_object(extra)) {
            const char *k;
            json_t *v;
            json_object_foreach(extra, k, v)
            {
                if (strcmp(k, "__type") != 0 && strcmp(k, "message") != 0 &&
                    strcmp(k, "Message") != 0)
                    json_object_set(o, k, v);
            }
        }
        text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
    }
    size_t xl = 0;
    char *xt = text && xw && xw->len > 2 ? jout_take(xw, &xl) : NULL;
    if (xt && xl > 2 && xt[0] == '{' && xt[xl - 1] == '}') {
        /* text's members, then xt's: "{head}" + "{more}" -> "{head,more}", in xt's buffer
         * (the bigger one) */
        size_t hl = strlen(text);
        char *b = realloc(xt, hl + xl);
        if (b) {
            memmove(b + hl, b + 1, xl - 1);
            memcpy(b, text, hl - 1);
            b[hl - 1] = ',';
            b[hl + xl - 1] = '\0';
            xt = NULL;
        }
        free(text);
        text = b;
    }
    free(xt);
    if (!text) {
        resp->status = 500;
        text = strdup("{\"__type\":\"" DDB_PROTO_NS "InternalServerError\","
                      "\"message\":\"out of memory\"}");
    }
    ddb_proto_set_body(resp, text, text ? strlen(text) : 0);
}

static void ddb_proto_error(ddb_proto_resp *resp, int code, const char *type_override,
                            const char *msg, json_t *extra)
{
    ddb_proto_error_x(resp, code, type_override, msg, msg ? strlen(msg) : 0, extra, NULL);
}

/* Copies s into out (size n) for the access log: control bytes and spaces become '?', so a
 * hostile TableName cannot forge log lines or shift the log's columns. */
/* s[0..len) up to its first NUL, printable, into out[n] (len SIZE_MAX: a C string). */
/* The log's copy of a name: a byte a log line cannot show (a space, a control byte, DEL)
 * becomes '?'.  Eight bytes a step while none is one of those (most names). */
static void ddb_proto_log_clean(char *out, size_t len)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t x;
        memcpy(&x, out + i, 8);
        uint64_t d = x ^ (0x7f * ones); /* a zero byte where x has DEL */
        if (((x - 0x21 * ones) & ~x & highs) | ((d - ones) & ~d & highs))
            break; /* a byte <= ' ' or DEL in these eight: byte by byte from here */
    }
    for (; i < len; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c <= ' ' || c == 0x7f)
            out[i] = '?';
    }
}

/* s[0..len) up to its first NUL, at most n - 1 bytes, into out (n > 0) */
static void ddb_proto_log_copyn(char *out, size_t n, const char *s, size_t len)
{
    if (len > n - 1)
        len = n - 1;
    const char *z = memchr(s, '\0', len);
    if (z)
        len = (size_t)(z - s);
    memcpy(out, s, len);
    out[len] = '\0';
    ddb_proto_log_clean(out, len);
}

static void ddb_proto_log_copy(char *out, size_t n, const char *s)
{
    size_t len = strnlen(s, n - 1);
    memcpy(out, s, len);
    out[len] = '\0';
    ddb_proto_log_clean(out, len);
}

static const char *ddb_proto_header(const ddb_proto_req *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

static void ddb_proto_resp_start(ddb_proto_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->content_type = DDB_PROTO_CONTENT_TYPE;
    memcpy(resp->op, "-", 2);
    memcpy(resp->table, "-", 2);
    resp->op_index = DDB_PROTO_OP_UNKNOWN;
    ddb_proto_request_id(resp->request_id);
}

static void ddb_proto_health_body(const ddb_proto *p, ddb_proto_resp *resp)
{
    char *t = NULL;
    int n = asprintf(&t, "healthy: dynamodb.%s.amazonaws.com ", p->region ? p->region : "us-east-1");
    if (n < 0) { /* was a 200 with an empty body */
        ddb_proto_error(resp, ERR_NOMEM, NULL, "out of memory", NULL);
        return;
    }
    resp->status = 200;
    resp->content_type = "text/plain";
    ddb_proto_set_body(resp, t, (size_t)n);
}

void ddb_proto_health(const ddb_proto *p, ddb_proto_resp *resp)
{
    ddb_proto_resp_start(resp);
    ddb_proto_health_body(p, resp);
}

static void ddb_proto_not_found_body(ddb_proto_resp *resp)
{
    resp->status = 404;
    resp->content_type = NULL;
    snprintf(resp->error_type, sizeof resp->error_type, "UnknownOperationException");
    char *t = strdup(TXT_NOT_FOUND);
    ddb_proto_set_body(resp, t, t ? strlen(t) : 0);
}

void ddb_proto_not_found(ddb_proto_resp *resp)
{
    ddb_proto_resp_start(resp);
    ddb_proto_not_found_body(resp);
}

void ddb_proto_preflight(ddb_proto_resp *resp)
{
    ddb_proto_resp_start(resp);
    resp->status = 200;
    resp->content_type = NULL;
    memcpy(resp->op, "OPTIONS", 8);
}

static int dp_content_type(const char *ct);

const char *ddb_proto_reply_type(const char *req_ct)
{
    return !req_ct || dp_content_type(req_ct) == 1 ? DDB_PROTO_CONTENT_TYPE
                                                   : DDB_PROTO_CONTENT_TYPE_JSON;
}

void ddb_proto_transport_error(int status, const char *why, const char *req_ct,
                               ddb_proto_resp *resp)
{
    ddb_proto_resp_start(resp);
    resp->content_type = ddb_proto_reply_type(req_ct);
    if (status == 413) {
        ddb_proto_error(resp, ERR_REQUEST_TOO_LARGE, NULL, TXT_TOO_LARGE, NULL);
        return;
    }
    if (status >= 500) {
        ddb_proto_error(resp, ERR_INTERNAL, NULL, why, NULL);
    } else {
        ddb_proto_error(resp, ERR_SERIALIZATION, NULL, why, NULL);
    }
    resp->status = status;
}

void ddb_proto_overload(const char *req_ct, ddb_proto_resp *resp)
{
    ddb_proto_resp_start(resp);
    resp->content_type = ddb_proto_reply_type(req_ct);
    ddb_proto_error(resp, ERR_THROTTLING, NULL, TXT_THROTTLED, NULL);
}

void ddb_proto_resp_fini(ddb_proto_resp *resp)
{
    if (!resp)
        return;
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
}

/* Each thread keeps the arena of the body's tree between requests (reset, not freed: its
 * first block stays), so a request does not malloc and free one; freed when the thread ends.
 * ddb_proto_handle is never called from inside itself, so one per thread is enough. */
static pthread_key_t ddb_proto_ja_key;
static pthread_once_t ddb_proto_ja_once = PTHREAD_ONCE_INIT;
static bool ddb_proto_ja_ok;

static void ddb_proto_ja_free(void *p)
{
    arena_fini(p);
    free(p);
}

static void ddb_proto_ja_init(void)
{
    ddb_proto_ja_ok = pthread_key_create(&ddb_proto_ja_key, ddb_proto_ja_free) == 0;
}

/* The thread's arena, or NULL (the caller then uses one of its own). */
static arena_t *ddb_proto_ja_take(void)
{
    pthread_once(&ddb_proto_ja_once, ddb_proto_ja_init);
    if (!ddb_proto_ja_ok)
        return NULL;
    arena_t *a = pthread_getspecific(ddb_proto_ja_key);
    if (!a) {
        if (!(a = malloc(sizeof *a)))
            return NULL;
        arena_init(a);
        if (pthread_setspecific(ddb_proto_ja_key, a) != 0) {
            free(a);
            return NULL;
        }
    }
    return a;
}

/* A reply's text is charged to the caller's budget (ddb_proto_req.reply_charge) as the writer
 * grows past DDB_PROTO_REPLY_FREE: the text of a reply waits in memory until its client has
 * read it, and ten clients that sent a 5 KB BatchGetItem whose reply is ~96 MB of text and
 * did not read held 939 MB (review14 F12). */
typedef struct dp_charge {
    int (*fn)(void *ctx, size_t n, bool must);
    void *ctx;
    const char *op; /* the operation (dp_may_write, asked at the first call): in the request's
                       target, or dp_handle's sop for a Streams one (never answered later) */
    const jread_val *root; /* the request (our reader's tree or jansson's; a PartiQL one's
                              statements say whether it writes), until the call returns */
    const json_t *jreq;
    signed char may_write; /* -1: not asked yet */
    bool used;             /* fn was called */
} dp_charge;

/* The size of a caller's table namespace: "<access key>_<region>" and its NUL. */
#define DP_NS_SIZE (SIGV4_KEY_MAX + SIGV4_SCOPE_PART_MAX + 2)

/* A request answered later (ddb_proto_handle_later): what its reply needs, malloc'ed; the
 * body's tree and the request's values in its arena. */
typedef struct dp_later {
    arena_t arena;
    jout w;
    dp_charge ch; /* w's */
    err_t e;
    json_t *jresp;
    ddb_proto_resp *resp;
    unsigned long oom0; /* mem_failures() of the calling thread at the start */
    bool failed;        /* an allocation failed on the calling thread (dp_later_suspend) */
    char ns[DP_NS_SIZE];
    api_caller caller;
    ddb_proto_later later;
    size_t body_len;
} dp_later;

/* A request of a body this big gives the heaps' free memory back once answered
 * (mem_release_free): its trees of small blocks (jansson's, on the paths that build one) were
 * freed in the middle of the heaps and would stay resident, more with each such request. */
#define DP_RELEASE_BODY ((size_t)1 << 20)

/* An error text is kept whole (AWS echoes values whole: base/err.h, err_whole) up to the
 * request body's size plus this much: a text may quote the whole request (a value's echo is
 * Java's toString of it, longer than its JSON) but never grows without bound. */
#define DP_WHOLE_SLACK ((size_t)64 << 10)

/* The most text a reply may have (value/jout.h's writer; its default is 64 MB): a
 * TransactionCanceledException with ReturnValuesOnConditionCheckFailure ALL_OLD carries up to
 * 100 items of 400 KB, whose JSON can be six times their size (a control character is written
 * \u0001): ~240 MB, which the tree answered before the reasons were written as text
 * (8c856d9) and the 64 MB cap then made a 500; a BatchGetItem page (16 MB of stored items) can
 * be ~96 MB of text (review14 F11).  The memory is the text's: no tree beside it. */
#define DP_REPLY_MAX ((size_t)256 << 20)

/* Whether a PartiQL request (root or jreq) holds only SELECTs: its Statement, or each
 * member's of `list` (NULL: the request's own); a statement is a SELECT by its first word as
 * the PartiQL lexer reads it, past comments and every blank it takes (api_pq_is_select:
 * review15 F9b). */
static bool dp_selects_only(const jread_val *root, const json_t *jreq, const char *list)
{
    if (root) {
        if (!list) {
            const jread_val *st = jread_get(root, "Statement", 9);
            return st && st->type == JREAD_STRING && api_pq_is_select(st->text, st->len);
        }
        const jread_val *a = jread_get(root, list, strlen(list));
        if (!a || a->type != JREAD_ARRAY || !a->n)
            return false;
        for (const jread_val *m = a->child; m; m = m->next) {
            const jread_val *st = m->type == JREAD_OBJECT ? jread_get(m, "Statement", 9) : NULL;
            if (!st || st->type != JREAD_STRING || !api_pq_is_select(st->text, st->len))
                return false;
        }
        return true;
    }
    if (!list) {
        const json_t *st = json_object_get(jreq, "Statement");
        return json_is_string(st) &&
               api_pq_is_select(json_string_value(st), json_string_length(st));
    }
    const json_t *a = json_object_get(jreq, list);
    if (!json_is_array(a) || !json_array_size(a))
        return false;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *st = json_object_get(json_array_get(a, i), "Statement");
        if (!json_is_string(st) || !api_pq_is_select(json_string_value(st), json_string_length(st)))
            return false;
    }
    return true;
}

/* The operations whose reply may follow a write: charged whatever the budget says
 * (ddb_proto_req.reply_charge's must); a PartiQL request of SELECTs only is a read (review15
 * F9: fifty clients that did not read a 14 MB SELECT reply held ~700 MB). */
static bool dp_may_write(dp_charge *c)
{
    static const char *const ops[] = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                                      "TransactWriteItems"};
    if (c->may_write >= 0)
        return c->may_write;
    bool w = false;
    if (!c->op)
        w = false;
    else if (strcmp(c->op, "ExecuteStatement") == 0)
        w = !dp_selects_only(c->root, c->jreq, NULL);
    else if (strcmp(c->op, "BatchExecuteStatement") == 0)
        w = !dp_selects_only(c->root, c->jreq, "Statements");
    else if (strcmp(c->op, "ExecuteTransaction") == 0)
        w = !dp_selects_only(c->root, c->jreq, "TransactStatements");
    else
        for (size_t i = 0; i < sizeof ops / sizeof ops[0] && !w; i++)
            w = strcmp(c->op, ops[i]) == 0;
    c->may_write = w;
    return w;
}

/* The writer's grow hook (value/jout.h): its maximum doubles, each step charged.  Room asked
 * ahead of the text (jout_room: a write's reply, before the write is applied; review15 F11)
 * is charged as asked, and only if the budget holds it, whatever the operation. */
static int dp_reply_grow(jout *w, size_t need, void *ctx)
{
    dp_charge *c = ctx;
    if (need > DP_REPLY_MAX)
        return -1;
    size_t max = w->room                        ? need
                 : w->max <= DP_REPLY_MAX / 2 ? w->max * 2
                                              : DP_REPLY_MAX;
    if (max < need)
        max = need;
    c->used = true;
    if (c->fn(c->ctx, max - DDB_PROTO_REPLY_FREE, dp_may_write(c) && !w->room))
        return -1;
    w->max = max;
    return 0;
}

static void dp_charge_start(dp_charge *c, const ddb_proto_req *req)
{
    c->fn = req->reply_charge;
    c->ctx = req->reply_ctx;
    c->op = NULL;
    c->root = NULL;
    c->jreq = NULL;
    c->may_write = 0;
    c->used = false;
}

/* w charges its text through c (for the operation op, the request root or jreq: until the
 * reply is final, dp_charge_final's first call). */
static void dp_charge_writer(dp_charge *c, const char *op, const jread_val *root,
                             const json_t *jreq, jout *w)
{
    if (!c->fn)
        return;
    c->op = op;
    c->root = root;
    c->jreq = jreq;
    c->may_write = -1;
    w->max = DDB_PROTO_REPLY_FREE;
    w->grow = dp_reply_grow;
    w->grow_ctx = c;
}

/* The reply is final: what its body holds is charged.  A write's refusal (4xx: nothing was
 * written) that the budget cannot hold is the busy reply instead: its text was charged
 * whatever the budget said only because a write's reply may not be refused.  Called while the
 * request's tree is there (dp_may_write may read it), and again once resp is done (the
 * answer is then known). */
static void dp_charge_final(dp_charge *c, ddb_proto_resp *resp)
{
    size_t n = resp->body_len > DDB_PROTO_REPLY_FREE ? resp->body_len - DDB_PROTO_REPLY_FREE : 0;
    if (!c->fn || (!c->used && !n))
        return;
    if (n && resp->status >= 400 && resp->status < 500 && dp_may_write(c) &&
        c->fn(c->ctx, n, false)) {
        ddb_proto_error(resp, ERR_THROTTLING, NULL, TXT_THROTTLED, NULL);
        n = 0;
    }
    c->fn(c->ctx, n, true);
}

/* The reply of an api call (rc, its text in w or its error in e + jresp; wh: e's whole
 * message, or NULL) into resp. */
static void dp_reply(ddb_proto_resp *resp, int rc, jout *w, const err_t *e, const err_whole *wh,
                     json_t *jresp)
{
    if (w->refused) { /* the reply's text budget is spent (dp_charge): busy, retry */
        jout_fini(w);
        ddb_proto_error(resp, ERR_THROTTLING, NULL, TXT_THROTTLED, NULL);
        return;
    }
    if (rc) {
        if (err_status(rc) >= 500)
            log_error("%s: %s (%s)", resp->op, e->msg, err_name(rc));
        size_t ml;
        const char *m = err_text_n(e, wh, &ml); /* with its length: a U+0000 inside kept */
        ddb_proto_error_x(resp, rc, NULL, m, ml, jresp, w);
    } else {
        size_t len = 0;
        uint32_t crc = jout_crc(w);
        char *text = jout_take(w, &len);
        if (!text) {
            ddb_proto_error(resp, ERR_NOMEM, NULL, "out of memory", NULL);
        } else {
            resp->status = 200;
            resp->body = text;
            resp->body_len = len;
            resp->crc32 = crc;
        }
    }
    jout_fini(w);
}

/* Every reply's last check: an allocation failed (base/mem.h) since oom0 (or before, failed:
 * on the thread that began a request answered later; the counter is per thread), so what
 * was built may be incomplete. */
static void dp_oom_check(ddb_proto_resp *resp, bool failed, unsigned long oom0)
{
    if ((failed || mem_failures() != oom0) && resp->status < 500) {
        log_error("%s: out of memory", resp->op);
        if (!resp->content_type || strncmp(resp->content_type, "application/", 12) != 0)
            resp->content_type = DDB_PROTO_CONTENT_TYPE; /* a JSON reply keeps its type */
        ddb_proto_error(resp, ERR_NOMEM, NULL, "out of memory", NULL);
    }
}

/* api_later's suspend: the caller's. */
static void dp_later_suspend(void *ctx)
{
    dp_later *d = ctx;
    d->failed = mem_failures() != d->oom0; /* the calling thread's part is done */
    d->later.suspend(d->later.ctx);
}

/* api_later's done (the store's committing thread): the reply, then the caller's done. */
static void dp_later_done(void *ctx, int rc)
{
    unsigned long oom0 = mem_failures(); /* this thread's: api_req_finish checked what came before */
    dp_later *d = ctx;
    dp_reply(d->resp, rc, &d->w, &d->e, NULL, d->jresp);
    dp_charge_final(&d->ch, d->resp);
    json_decref(d->jresp);
    arena_fini(&d->arena);
    dp_oom_check(d->resp, d->failed, oom0);
    dp_charge_final(&d->ch, d->resp);
    ddb_proto_later later = d->later;
    bool release = d->body_len >= DP_RELEASE_BODY;
    free(d);
    if (release)
        mem_release_free();
    later.done(later.ctx);
}

/* The request's SigV4 signature against creds (sigv4_verify): 0 with *out_auth, or its error
 * with e. */
static int ddb_proto_verify(const ddb_proto_req *req, const sigv4_creds *creds,
                            sigv4_auth *out_auth, err_t *e)
{
    sigv4_request sr = {.method = req->method,
                        .path = req->path,
                        .params = req->params,
                        .n_params = req->n_params,
                        .headers = req->headers,
                        .n_headers = req->n_headers,
                        .body = req->raw_body ? req->raw_body : req->body,
                        .body_len = req->raw_body ? req->raw_body_len : req->body_len};
    return sigv4_verify(&sr, creds, req->now, out_auth, e);
}

/* The request's Content-Type as AWS routes by it (dynalite's connection tests and its
 * index.js, recorded against AWS): the media type before any ';' parameter (a charset),
 * blanks trimmed; 1 for application/x-amz-json-1.0, 0 for application/json, -1 for none or
 * any other (application/x-amz-json-1.1, text/plain, ...): a body of it is not routed, and
 * without a body the reply is application/json as for 0.  The names compared without case
 * (RFC 9110 8.3.1; AWS's own tests send them in lower case). */
static int dp_content_type(const char *ct)
{
    if (!ct)
        return -1;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    static const char j10[] = DDB_PROTO_CONTENT_TYPE, js[] = DDB_PROTO_CONTENT_TYPE_JSON;
    if (n == sizeof j10 - 1 && strncasecmp(ct, j10, n) == 0)
        return 1;
    if (n == sizeof js - 1 && strncasecmp(ct, js, n) == 0)
        return 0;
    return -1;
}

/* A request that may be answered later (ddb_proto_handle_later with a body): its dp_later,
 * malloc'ed, or NULL (none asked, or no memory: then answered now). */
static dp_later *dp_later_new(const ddb_proto_req *req, ddb_proto_resp *resp,
                              const ddb_proto_later *later)
{
    dp_later *d = NULL;
    if (later && req->body_len && (d = calloc(1, sizeof *d)) != NULL) {
        arena_init(&d->arena);
        d->later = *later;
        d->resp = resp;
        d->body_len = req->body_len;
    }
    return d;
}

/* An error record set up without clearing its 1 KB text (err_clear's fields only). */
static void dp_err_start(err_t *e)
{
    e->code = e->detail = 0;
    e->msg[0] = '\0';
    e->len = 0;
}

/* The operation the request's target names (X-Amz-Target), unaltered: DynamoDB's under its
 * own prefix, a Streams one under its prefix as api/ names it (written into sop, of sop_size
 * bytes); NULL for none or any other.  resp->op gets the log's copy of the name. */
static const char *dp_target_op(const ddb_proto_req *req, ddb_proto_resp *resp, char *sop,
                                size_t sop_size)
{
    const char *target =
        req->amz_target ? req->amz_target : ddb_proto_header(req, "X-Amz-Target");
    const char *op = NULL;
    if (target && strncmp(target, DDB_PROTO_TARGET_PREFIX, strlen(DDB_PROTO_TARGET_PREFIX)) == 0) {
        op = target + strlen(DDB_PROTO_TARGET_PREFIX);
        ddb_proto_log_copy(resp->op, sizeof resp->op, op);
        if (strncmp(op, API_STREAMS_OP_PREFIX, strlen(API_STREAMS_OP_PREFIX)) == 0)
            op = NULL; /* a Streams operation only under its own target prefix */
    } else if (target && strncmp(target, DDB_PROTO_STREAMS_PREFIX,
                                 strlen(DDB_PROTO_STREAMS_PREFIX)) == 0) {
        const char *so = target + strlen(DDB_PROTO_STREAMS_PREFIX);
        int n = snprintf(sop, sop_size, "%s%s", API_STREAMS_OP_PREFIX, so);
        if (n > 0 && (size_t)n < sop_size && !strchr(so, '.'))
            op = sop;
        ddb_proto_log_copy(resp->op, sizeof resp->op, so);
    }
    return op;
}

/* What the body's first reading (dp_body_first) leaves for authentication: whether a hot
 * operation's signature was verified then, and its verdict. */
typedef struct dp_early {
    bool verified; /* the signature was verified (its verdict in rc, e) */
    int rc;
    err_t e; /* its own (its verdict is told after the checks AWS makes first, each with its
                own text: review20 R11) */
} dp_early;

/* AWS reads the body as JSON before it looks at the target, and both before the signature: a
 * body that is not JSON is a SerializationException (its type alone) whatever the target, an
 * unknown target an UnknownOperationException, signed or not (dynalite's connection tests,
 * recorded against AWS; test_protocol test_checks_before_authentication).  Before
 * authentication the body is only checked (jread_check: no tree, no allocation): an
 * unauthenticated client gets no tree of its body built (review18 M1); whether it is an object
 * is the request's type check, after authentication (review18 M2).
 * 0, *out_root our reader's tree of the body in ja when it was built here (else NULL), auth
 * filled when early->verified; or -1 with the reply in resp. */
static int dp_body_first(const ddb_proto *p, const ddb_proto_req *req, int op_index,
                         bool creds, arena_t *ja, jread_val **out_root, sigv4_auth *auth,
                         dp_early *early, ddb_proto_resp *resp)
{
    if (!req->body_len)
        return 0;
    /* Without credentials configured, a request whose Authorization has AWS4's shape passes
     * the authentication below, and an operation that reads our reader's tree then gets it
     * built: it is built here, its success the check's (jread_parse and jread_check read one
     * grammar, one depth rule: test_jread holds them to one verdict), instead of a check and
     * then a parse, two passes over every body (~2,000 instructions a GetItem).  With
     * credentials, such an operation's signature is verified first (it reads the body's
     * bytes, not its JSON), and only a request it passes gets its tree built here, in the same
     * one pass (review18 M1 holds: no unauthenticated tree); a request it refuses is checked
     * without a tree and then refused, in the order above (the body's JSON before the
     * signature: a body that is not JSON is the SerializationException, signed or not).  Any
     * other request, or a body the parse refuses, is checked without a tree, as above.
     * test_auth test_hot_operations_one_pass_same_answers. */
    bool hot = api_op_reads_jread_at(op_index);
    bool unsigned_ok =
        !creds && hot &&
        sigv4_is_aws4(req->authorization ? req->authorization
                                         : ddb_proto_header(req, "Authorization"));
    if (creds && hot) {
        early->rc = ddb_proto_verify(req, p->creds, auth, &early->e);
        early->verified = true;
    }
    jread_error je;
    if (!(unsigned_ok || (early->verified && early->rc == 0)) ||
        jread_parse(req->body, req->body_len, ja, out_root, &je) != 0) {
        *out_root = NULL; /* a refused parse: checked, and parsed again after authentication */
        if (jread_check(req->body, req->body_len, &je) != 0) {
            ddb_proto_error(resp, ERR_SERIALIZATION, NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}

/* Without credentials: the Authorization header hdr (or a presigned query, qauth) is taken
 * unverified.  0, *out_have_auth set when auth names the caller's table namespace; or -1 with
 * the reply in resp (e's text). */
static int dp_auth_unverified(const ddb_proto *p, const ddb_proto_req *req, const char *hdr,
                              bool qauth, sigv4_auth *auth, bool *out_have_auth, err_t *e,
                              ddb_proto_resp *resp)
{
    const char *a = hdr;
    /* a presigned request's whole query (checked above) is taken as a header is */
    int prc = 0;
    if (!qauth || (a && *a)) {
        /* none, or not "AWS4-...": AWS's missing token; unverified, but whole: without
         * Credential, Signature or SignedHeaders AWS's IncompleteSignatureException, as
         * with credentials (sigv4_check_parts; dynalite's 'AWS4-' test, recorded against
         * AWS).  A whole header without a date is still taken (README: the endpoint's
         * wire) */
        /* the date headers are looked for only when the parts are incomplete (their
         * sentence is added to that text alone): two searches of headers[] less a request */
        prc = sigv4_check_parts(a, true, e);
        if (prc == ERR_INCOMPLETE_SIGNATURE && !ddb_proto_header(req, "X-Amz-Date") &&
            !ddb_proto_header(req, "Date")) {
            err_clear(e); /* the first text is sticky */
            prc = sigv4_check_parts(a, false, e);
        }
    }
    if (prc) {
        ddb_proto_error_x(resp, prc, NULL, e->msg, err_msg_len(e), NULL, NULL);
        return -1;
    }
    /* unverified, the header serves only to name the caller's table namespace: parsed
     * only then (a 2.4 KB sigv4_auth cleared and filled on every request otherwise); one
     * that names no caller is refused with its text, as a presigned query's is below
     * (final19: it was taken, in the shared namespace).  test_protocol
     * test_presigned_query_namespace */
    if (p->namespace_tables && !qauth) {
        int arc = sigv4_parse_authorization(a, auth, e);
        if (!arc) /* a scope that names no caller (its date is not compared unverified) */
            arc = sigv4_check_scope(auth, NULL, e);
        if (arc) {
            ddb_proto_error_x(resp, arc, NULL, e->msg, err_msg_len(e), NULL, NULL);
            return -1;
        }
        *out_have_auth = true;
    } else if (p->namespace_tables) { /* a presigned query names it in X-Amz-Credential
                                       * (final19 F4: it ran in the shared namespace) */
        int crc = ERR_MISSING_AUTH_TOKEN; /* (sigv4_check_query saw it given) */
        err_set(e, crc, "Request is missing Authentication Token");
        for (size_t i = 0; i < req->n_params && crc; i++)
            if (strcmp(req->params[i].name, "X-Amz-Credential") == 0 && req->params[i].value) {
                memset(auth, 0, sizeof *auth);
                err_clear(e);
                const char *v = req->params[i].value;
                crc = sigv4_parse_credential(v, strlen(v), auth, e);
                if (!crc)
                    crc = sigv4_check_scope(auth, NULL, e);
            }
        if (crc) { /* a scope that names no caller: AWS's text for it */
            ddb_proto_error_x(resp, crc, NULL, e->msg, err_msg_len(e), NULL, NULL);
            return -1;
        }
        *out_have_auth = true;
    }
    return 0;
}

/* The request's authentication, after the checks AWS makes first (a hot operation's signature
 * was verified by dp_body_first: its verdict, early, is told here).  0, *out_have_auth set
 * when auth names the caller; or -1 with the reply in resp. */
static int dp_authenticate(const ddb_proto *p, const ddb_proto_req *req, bool creds,
                           dp_early *early, sigv4_auth *auth, bool *out_have_auth, err_t *e,
                           ddb_proto_resp *resp)
{
    /* query-string (presigned) authentication: both it and a header, or its parts missing,
     * are AWS's answers whatever the credentials; a whole one without credentials is a token
     * as a header is (dynalite's index.js, written against AWS); with credentials its
     * signature is verified (sigv4_verify; test_auth test_presigned_request_verified) */
    const char *hdr =
        req->authorization ? req->authorization : ddb_proto_header(req, "Authorization");
    bool qauth = false;
    if (req->n_params) {
        int qrc = sigv4_check_query(req->params, req->n_params, hdr && *hdr, &qauth, e);
        if (qrc) {
            ddb_proto_error_x(resp, qrc, NULL, e->msg, err_msg_len(e), NULL, NULL);
            return -1;
        }
    }
    /* authentication (done by dp_body_first for a hot operation's body: its verdict is told
     * here) */
    if (creds) {
        err_t *ae = early->verified ? &early->e : e;
        int rc = early->verified ? early->rc : ddb_proto_verify(req, p->creds, auth, e);
        if (rc) {
            ddb_proto_error_x(resp, rc, NULL, ae->msg, err_msg_len(ae), NULL, NULL);
            return -1;
        }
        *out_have_auth = true;
    } else if (dp_auth_unverified(p, req, hdr, qauth, auth, out_have_auth, e, resp)) {
        return -1;
    }
    /* unverified, a key id past 128 bytes names no caller AWS could have (verified, it is
     * no configured key): AWS's answer to a key id it does not know (hostile21; test_auth
     * test_access_key_over_128_bytes_with_namespaces) */
    if (*out_have_auth && auth->key_too_long) {
        ddb_proto_error(resp, ERR_UNRECOGNIZED_CLIENT, NULL,
                        "The security token included in the request is invalid.", NULL);
        return -1;
    }
    return 0;
}

/* The body's tree for the operation op, after authentication (root: one dp_body_first built,
 * or NULL): our reader's (value/jread.h), not json_loadb: an attribute name may hold U+0000;
 * the tree goes to the API as it is (api_call_out_jr: GetItem reads it directly, the others
 * get the jansson tree json_loadb would have built).  0 with *root (in ja) or *out_jreq (the
 * caller's reference); or -1 with the reply in resp. */
static int dp_body_tree(const ddb_proto_req *req, int op_index, arena_t *ja, jread_val **root,
                        json_t **out_jreq, ddb_proto_resp *resp)
{
    json_t *jreq = NULL;
    if (!*root && !api_op_reads_jread_at(op_index) &&
        (jreq = json_loadb(req->body, req->body_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)) !=
            NULL &&
        json_is_object(jreq)) {
        /* an operation that reads jansson's tree: json_loadb builds it from the text, the
         * tree jread_to_jansson would build from ours (value/jread.h), without ours beside it
         * (a 16 MB body of tiny values: both trees together were ~50 times its size).  A body
         * it refuses (a key holding U+0000, which DynamoDB accepts, or JSON it cannot read)
         * goes to our reader, which reads it or words the refusal. */
        *out_jreq = jreq;
        return 0;
    }
    json_decref(jreq);
    jread_error je;
    if (!*root && jread_parse(req->body, req->body_len, ja, root, &je) != 0) {
        if (je.nomem) {
            ddb_proto_error(resp, ERR_NOMEM, NULL, "out of memory", NULL);
        } else {
            char msg[300];
            snprintf(msg, sizeof msg, "Malformed JSON at line %d column %d: %s", je.line,
                     je.column, je.text);
            ddb_proto_error(resp, ERR_SERIALIZATION, NULL, msg, NULL);
        }
        return -1;
    }
    if ((*root)->type != JREAD_OBJECT) {
        ddb_proto_error(resp, ERR_SERIALIZATION, NULL,
                        (*root)->type == JREAD_ARRAY ? "Start of list found where not expected"
                                                     : "Expected a JSON object as the request body",
                        NULL);
        return -1;
    }
    return 0;
}

/* The log's table name (resp->table): the request's TableName, from root or jreq. */
static void dp_log_table(ddb_proto_resp *resp, const jread_val *root, const json_t *jreq)
{
    const jread_val *tn = jread_get(root, "TableName", 9);
    if (tn && tn->type == JREAD_STRING) /* its text may point into the body: no NUL */
        ddb_proto_log_copyn(resp->table, sizeof resp->table, tn->text, tn->len);
    json_t *jtn = jreq ? json_object_get(jreq, "TableName") : NULL;
    if (json_is_string(jtn))
        ddb_proto_log_copy(resp->table, sizeof resp->table, json_string_value(jtn));
}

/* The api call of a request that may be answered later (d, its tree root): true when it will
 * be (d is then dp_later_done's), else its reply is in resp and d->jresp is the caller's to
 * release.  dp_call is the same steps for a request answered now; the two stay apart on
 * purpose: one body for both (d NULL for dp_call's), measured with callgrind (ddb_proto.c's
 * own instructions a request, 300 keep-alive requests), cost more in every form tried:
 * out of line +5 a GetItem; inlined at both calls +3 a GetItem, +2 a PutItem; dp_call_later's
 * copy kept out of line -3 a GetItem but +30 a PutItem. */
static bool dp_call_later(const ddb_proto *p, const ddb_proto_req *req, dp_later *d,
                          const char *op, int op_index, const jread_val *root,
                          const api_caller *caller, unsigned long oom0, ddb_proto_resp *resp)
{
    err_whole wh; /* the api's error text, whole (attached for the call on this thread) */
    d->caller = *caller;
    d->oom0 = oom0;
    jout_init(&d->w, DP_REPLY_MAX);
    dp_charge_writer(&d->ch, op, root, NULL, &d->w);
    api_later al = {dp_later_suspend, dp_later_done, d};
    err_whole_attach(&wh, &d->e, req->body_len + DP_WHOLE_SLACK);
    int rc = api_call_out_jr_later_at(p->api, op_index, root, &d->caller, &d->arena, &d->w,
                                      &d->jresp, &d->e, &al);
    err_whole_detach(&wh);
    if (rc == API_LATER) { /* d is dp_later_done's; an error then is set on its thread */
        err_whole_fini(&wh);
        return true;
    }
    dp_reply(resp, rc, &d->w, &d->e, &wh, d->jresp);
    dp_charge_final(&d->ch, resp);
    err_whole_fini(&wh);
    return false;
}

/* The api call of a request answered now (its tree root, or jreq): its reply into resp;
 * *out_jresp the caller's to release. */
static void dp_call(const ddb_proto *p, const ddb_proto_req *req, const char *op,
                    int op_index, const jread_val *root, json_t *jreq, const api_caller *caller,
                    dp_charge *ch, err_t *e, json_t **out_jresp, ddb_proto_resp *resp)
{
    err_whole wh; /* the api's error text, whole (attached for the call on this thread) */
    jout w;
    jout_init(&w, DP_REPLY_MAX);
    dp_charge_writer(ch, op, root, jreq, &w);
    err_whole_attach(&wh, e, req->body_len + DP_WHOLE_SLACK);
    int rc = api_call_out_at(p->api, op_index, jreq, root, caller, &w, out_jresp, e);
    err_whole_detach(&wh);
    dp_reply(resp, rc, &w, e, &wh, *out_jresp);
    dp_charge_final(ch, resp);
    err_whole_fini(&wh);
}

/* ddb_proto_handle, or with later set ddb_proto_handle_later (true: answered later).  The
 * steps in AWS's order: the health check, the content type, the target, the size, the body's
 * JSON (dp_body_first), the operation, authentication (dp_authenticate), the caller, the
 * body's tree (dp_body_tree), the call (dp_call, dp_call_later). */
static bool dp_handle(const ddb_proto *p, const ddb_proto_req *req, ddb_proto_resp *resp,
                      const ddb_proto_later *later)
{
    json_t *jreq = NULL, *jresp = NULL;
    dp_later *d = dp_later_new(req, resp, later); /* a request that may be answered later */
    arena_t own, *ja = d ? &d->arena : ddb_proto_ja_take(); /* our reader's tree of the body
                                                                (value/jread.h) */
    arena_init(&own);
    if (!ja)
        ja = &own;
    /* room for the tree of any body the endpoint takes: a node is 56 bytes (+8 in an array's
     * index) and a value may be 2 bytes of text ("0,"), so up to 32 bytes per body byte, plus
     * what the arena's blocks leave unused; the default maximum answered a valid 16 MB body
     * of tiny values with 500 out of memory */
    ja->max = own.max;
    if (req->body_len * 40 + ((size_t)1 << 20) > ja->max)
        ja->max = req->body_len * 40 + ((size_t)1 << 20);
    err_t e; /* unset: its 1 KB text is not cleared (err_clear's fields) */
    dp_err_start(&e);
    dp_early early; /* a hot operation's early verification (dp_body_first) */
    early.verified = false;
    early.rc = 0;
    dp_err_start(&early.e);
    unsigned long oom0 = mem_failures();
    ddb_proto_resp_start(resp);
    dp_charge own_ch, *ch = d ? &d->ch : &own_ch;
    dp_charge_start(ch, req);

    /* health check */
    if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0) {
        ddb_proto_health_body(p, resp);
        goto done;
    }

    /* A body of another type is not routed at all: 404 <UnknownOperationException/> (AWS:
     * dynalite's 'should return 404 if body but no content-type' / '... incorrect
     * content-type', recorded against AWS); without a body the type is not looked at.  The
     * reply is application/x-amz-json-1.0 when the request says so, else application/json
     * (dynalite's JSON tests check each reply's Content-Type).  test_protocol
     * test_content_type_routing. */
    int ctype = dp_content_type(req->content_type ? req->content_type
                                                  : ddb_proto_header(req, "Content-Type"));
    if (ctype < 0 && (req->raw_body ? req->raw_body_len : req->body_len) > 0) {
        ddb_proto_not_found_body(resp);
        goto done;
    }
    if (ctype != 1)
        resp->content_type = DDB_PROTO_CONTENT_TYPE_JSON;

    char sop[96]; /* a DynamoDB Streams operation, as api/ names it */
    const char *op = dp_target_op(req, resp, sop, sizeof sop); /* resp->op is the log's copy */

    if (req->too_large) {
        ddb_proto_error(resp, ERR_REQUEST_TOO_LARGE, NULL, TXT_TOO_LARGE, NULL);
        goto done;
    }

    jread_val *root = NULL; /* our reader's tree of the body (built here, or by dp_body_tree) */
    bool creds = p->creds && sigv4_creds_count(p->creds) > 0;
    sigv4_auth auth;
    /* the operation looked up once, here, and passed on by its index (three look-ups by
     * name a request before: dp_body_first, this one, the api call's) */
    int op_index = op ? api_op_index(op) : -1;
    if (dp_body_first(p, req, op_index, creds, ja, &root, &auth, &early, resp))
        goto done;
    if (op_index < 0) {
        /* AWS's names no message (dynalite's connection tests, recorded against AWS);
         * DynamoDB Local says "An unknown operation was requested." */
        ddb_proto_error(resp, ERR_UNKNOWN_OPERATION, NULL, NULL, NULL);
        goto done;
    }
    if (strcmp(resp->op, op) == 0) /* the log's name is the operation's (not a Streams one) */
        resp->op_index = op_index;

    bool have_auth = false;
    if (dp_authenticate(p, req, creds, &early, &auth, &have_auth, &e, resp))
        goto done;
    char nsbuf[DP_NS_SIZE];
    char *ns = d ? d->ns : nsbuf;
    api_caller caller = {0};
    if (p->namespace_tables && have_auth) {
        snprintf(ns, DP_NS_SIZE, "%s_%s", auth.access_key, auth.region);
        caller.ns = ns;
    }
    caller.body_len = req->body_len;
    caller.body = req->body;
    caller.host = ddb_proto_header(req, "host");

    /* no body at all: AWS's SerializationException without a message, after the target and
     * the signature (dynalite's listTables tests, recorded against AWS; ddbchat read it as {});
     * DynamoDB Local answers 500 InternalFailure.  test_protocol test_no_body */
    if (req->body_len == 0) {
        ddb_proto_error(resp, ERR_SERIALIZATION, NULL, NULL, NULL);
        goto done;
    }
    if (dp_body_tree(req, op_index, ja, &root, &jreq, resp))
        goto done;
    dp_log_table(resp, root, jreq);

    /* The reply is written as text straight from the values, CRC32 as it goes (api_call_out,
     * value/jout.h): no reply tree, no second pass. */
    if (d && root) {
        if (dp_call_later(p, req, d, op, op_index, root, &caller, oom0, resp))
            return true;
        jresp = d->jresp;
    } else {
        dp_call(p, req, op, op_index, root, jreq, &caller, ch, &e, &jresp, resp);
    }
done:
    err_clear(&early.e);
    json_decref(jresp);
    json_decref(jreq);
    if (ja == &own)
        arena_fini(&own);
    else if (!d)
        arena_reset(ja);
    own_ch = *ch; /* d's goes with it */
    if (d) {
        arena_fini(&d->arena);
        free(d);
    }
    dp_oom_check(resp, false, oom0);
    dp_charge_final(&own_ch, resp);
    if (req->body_len >= DP_RELEASE_BODY)
        mem_release_free();
    return false;
}

void ddb_proto_handle(const ddb_proto *p, const ddb_proto_req *req, ddb_proto_resp *resp)
{
    dp_handle(p, req, resp, NULL);
}

bool ddb_proto_handle_later(const ddb_proto *p, const ddb_proto_req *req, ddb_proto_resp *resp,
                            const ddb_proto_later *later)
{
    return dp_handle(p, req, resp, later);
}
