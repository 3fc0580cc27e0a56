/*
 * ddb_proto — the DynamoDB JSON 1.0 protocol, transport-free.  Layer: server.
 *
 * Takes one parsed HTTP request (method, path, headers, body) and produces the HTTP reply
 * DynamoDB would send: authentication (SigV4 when credentials are configured), routing by
 * X-Amz-Target "DynamoDB_20120810.<Op>" to api_call(), and the one reply writer for errors:
 *   {"__type":"com.amazonaws.dynamodb.v20120810#<Type>","message":"..."} + extra fields
 * (ValidationException keeps DynamoDB's own "com.amazon.coral.validate#" namespace, and
 * SerializationException "com.amazon.coral.service#" with its text under "Message", as AWS).
 * Every reply carries a request id and the CRC32 of its body (x-amz-crc32).
 * http.c does the sockets; tests/unit/server/test_ddb_proto.c drives this directly.
 * Protocol reference:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html
 */
#ifndef DDB_SERVER_DDB_PROTO_H
#define DDB_SERVER_DDB_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "server/sigv4.h"

#define DDB_PROTO_MAX_BODY ((size_t)16 << 20) /* DynamoDB's 16 MB request limit */
#define DDB_PROTO_TARGET_PREFIX "DynamoDB_20120810."
#define DDB_PROTO_STREAMS_PREFIX "DynamoDBStreams_20120810." /* same port, same dispatch */
#define DDB_PROTO_CONTENT_TYPE "application/x-amz-json-1.0"
/* the reply's type when the request is application/json or names none (AWS) */
#define DDB_PROTO_CONTENT_TYPE_JSON "application/json"

/* Long-lived configuration (everything borrowed; must outlive every request). */
/* AWS's x-amzn-RequestId: 52 characters of [0-9A-Z] ("NT2MFOD2O99GE1H05NSVBP2UUVVV4KQNSO5AEMVJF66Q9ASUAAJG"
 * in AWS's error reports; dynalite's connection tests, recorded against AWS) */
#define DDB_PROTO_REQUEST_ID_LEN 52

typedef struct ddb_proto {
    api_t *api;
    const sigv4_creds *creds; /* NULL or empty = accept any signer (DynamoDB Local) */
    bool namespace_tables;    /* tables per "<access key>_<region>" like DynamoDB Local */
    const char *region;       /* for the health text, default "us-east-1" */
} ddb_proto;

typedef struct ddb_proto_req {
    const char *method;
    const char *path;
    const sigv4_param *params; /* decoded query parameters (for SigV4) */
    size_t n_params;
    const sigv4_header *headers;
    size_t n_headers;
    /* the first X-Amz-Target / Authorization / Content-Type of headers[] when the caller
     * found them while collecting; NULL: looked up in headers[] */
    const char *amz_target, *authorization, *content_type;
    const char *body; /* may be NULL when body_len is 0 (after any Content-Encoding) */
    size_t body_len;
    const char *raw_body; /* the body as received, for SigV4's payload hash; NULL = body */
    size_t raw_body_len;
    bool too_large; /* the body exceeded DDB_PROTO_MAX_BODY (was not kept) */
    long long now;  /* seconds since the epoch (SigV4 clock-skew check) */
    /* The reply text's budget, or NULL: none (up to DP_REPLY_MAX a reply).  Called as the
     * text grows past DDB_PROTO_REPLY_FREE bytes, with n the bytes past them it may now hold,
     * and once the reply is final with what its body holds.  must: charged whatever the
     * budget says (the final call; every call for an operation that may write: PutItem,
     * UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems and the PartiQL requests that
     * hold a statement other than a SELECT, whose reply may follow an applied write and must
     * never be the busy one: review15 F7).  Else
     * 0, or -1 when the budget cannot hold n (nothing taken), and the reply is the busy one
     * (ThrottlingException) instead: a read's, or a write's refusal (4xx, nothing written)
     * once final.  A lower n gives bytes back.  The caller gives back the last n when the
     * reply is sent or dropped.  On the thread running the request (the committing one for
     * a write answered later). */
    int (*reply_charge)(void *ctx, size_t n, bool must);
    void *reply_ctx;
} ddb_proto_req;
/* A reply's first bytes are not charged (ddb_proto_req.reply_charge): nearly every reply is
 * smaller, and never calls it. */
#define DDB_PROTO_REPLY_FREE ((size_t)64 << 10)

typedef struct ddb_proto_resp {
    int status;
    char *body; /* malloc'ed; ddb_proto_resp_fini frees it */
    size_t body_len;
    const char *content_type; /* static */
    char request_id[DDB_PROTO_REQUEST_ID_LEN + 1]; /* x-amzn-RequestId, NUL-terminated */
    uint32_t crc32; /* of body */
    /* for the access log */
    char op[64];         /* operation name or "-" */
    char table[256];     /* TableName of the request or "-" */
    char error_type[64]; /* "" on success */
    /* api_op_index(op) when the handler already knew it, else DDB_PROTO_OP_UNKNOWN (the
     * caller looks op up itself: the same answer, one search more) */
    int op_index;
} ddb_proto_resp;
#define DDB_PROTO_OP_UNKNOWN (-2)

/* Handles one request.  Never fails: every problem becomes a DynamoDB error reply (an
 * allocation failure becomes a static 500 body).  Thread-safe. */
void ddb_proto_handle(const ddb_proto *p, const ddb_proto_req *req, ddb_proto_resp *resp);
/* A caller that can be answered later, from another thread (issue 13.3 design (a)):
 * suspend(ctx) once, just before the request's write is queued; done(ctx) once, when resp
 * holds the reply (on the store's committing thread: it must not block). */
typedef struct ddb_proto_later {
    void (*suspend)(void *ctx);
    void (*done)(void *ctx);
    void *ctx;
} ddb_proto_later;
/* ddb_proto_handle that may answer later (api_call_out_jr_later: a single-item write): true when
 * the reply comes through later->done (req, and what it points to, and resp must stay valid until
 * then); false when resp holds it now (suspend and done not called). */
bool ddb_proto_handle_later(const ddb_proto *p, const ddb_proto_req *req, ddb_proto_resp *resp,
                            const ddb_proto_later *later);
/* GET / (and HEAD /): real DynamoDB's health check, 200 "healthy: dynamodb.<region>.amazonaws.com "
 * (text/plain). */
void ddb_proto_health(const ddb_proto *p, ddb_proto_resp *resp);
/* Any other method or path: what AWS answers, 404 "<UnknownOperationException/>\n". */
void ddb_proto_not_found(ddb_proto_resp *resp);
/* A CORS preflight (OPTIONS with an Origin header): 200 with no body and no content type (the
 * server adds the Access-Control-* headers; without an Origin an OPTIONS is not_found's). */
void ddb_proto_preflight(ddb_proto_resp *resp);
/* The Content-Type of a JSON reply to a request of Content-Type req_ct: application/x-amz-json-1.0
 * when req_ct is that type (parameters aside), else application/json ("" or any other type:
 * the request has none or another); req_ct NULL (not known: the reply is made before the
 * request's headers were read) keeps application/x-amz-json-1.0.  Static storage. */
const char *ddb_proto_reply_type(const char *req_ct);
/* A transport-level problem (malformed HTTP, undecodable Content-Encoding, ...) with its HTTP
 * status, as a DynamoDB error body: 413 RequestEntityTooLarge, 500 InternalServerError,
 * otherwise SerializationException carrying `why`; of the type ddb_proto_reply_type(req_ct). */
void ddb_proto_transport_error(int status, const char *why, const char *req_ct,
                               ddb_proto_resp *resp);
/* The reply when the server is overloaded: 400 ThrottlingException "Rate of requests exceeds
 * the allowed throughput." (AWS's text), which botocore and the JS SDK retry with backoff;
 * of the type ddb_proto_reply_type(req_ct). */
void ddb_proto_overload(const char *req_ct, ddb_proto_resp *resp);
/* Frees resp->body.  Accepts NULL. */
void ddb_proto_resp_fini(ddb_proto_resp *resp);

#endif
