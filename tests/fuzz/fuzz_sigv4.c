/*
 * fuzz_sigv4 — SigV4 header parsing and verification (src/server/sigv4.c).
 *
 * Input: NUL-separated parts: [Authorization value] [headers, "Name: value" lines]
 * [query parameters, "a=b&c=d", already decoded] [body].  The Authorization value is parsed
 * alone, then the whole request is verified against one key (AKIDFUZZ) at the time of its
 * X-Amz-Date; the query as a presigned request's (sigv4_check_query, and its
 * X-Amz-Credential through sigv4_parse_credential); then the same request, signed correctly
 * with the parsed SignedHeaders and scope, is verified again.  Nothing may crash, leak or
 * read out of bounds; the correctly signed request goes through the canonical request and
 * the signature comparison.
 */
#include "base/buf.h"
#include "fuzz_common.h"
#include "server/sigv4.h"

#define FZ_MAX_HEADERS 32
#define FZ_MAX_PARAMS 32

static sigv4_creds *CREDS;

static void free_creds(void)
{
    sigv4_creds_free(CREDS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    err_t e = {0};
    if (sigv4_creds_new(&CREDS, &e) || sigv4_creds_add(CREDS, "AKIDFUZZ", "fuzz-secret", &e))
        abort();
    atexit(free_creds);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_part parts[4] = {{0}};
    fz_split(data, size, parts, 4);
    char *auth = fz_strndup(parts[0].p, parts[0].n);
    char *hblock = fz_strndup(parts[1].p, parts[1].n);
    char *query = fz_strndup(parts[2].p, parts[2].n);
    err_t e = {0};
    sigv4_auth pa;
    int parsed = sigv4_parse_authorization(auth, &pa, &e);

    sigv4_header h[FZ_MAX_HEADERS + 1];
    size_t nh = 0;
    for (char *line = hblock, *next; line && *line && nh < FZ_MAX_HEADERS; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = 0;
        char *v = colon + 1;
        while (*v == ' ')
            v++;
        h[nh++] = (sigv4_header){line, v};
    }
    h[nh++] = (sigv4_header){"Authorization", auth};
    sigv4_param qp[FZ_MAX_PARAMS];
    size_t np = 0;
    for (char *kv = query, *next; kv && *kv && np < FZ_MAX_PARAMS; kv = next) {
        next = strchr(kv, '&');
        if (next)
            *next++ = 0;
        char *eq = strchr(kv, '=');
        if (eq)
            *eq++ = 0;
        qp[np++] = (sigv4_param){kv, eq};
    }
    sigv4_request req = {.method = "POST",
                         .path = "/",
                         .params = qp,
                         .n_params = np,
                         .headers = h,
                         .n_headers = nh,
                         .body = parts[3].p,
                         .body_len = parts[3].n};
    /* the presigned query's parts (ddb_proto's order: the query, then the header's parts),
     * and its X-Amz-Credential scope as --namespace-tables reads it */
    bool qauth = false;
    err_clear(&e);
    (void)sigv4_check_query(qp, np, auth[0] != 0, &qauth, &e);
    err_clear(&e);
    (void)sigv4_check_parts(auth, nh > 1, &e);
    for (size_t i = 0; i < np; i++)
        if (qp[i].value && strcmp(qp[i].name, "X-Amz-Credential") == 0) {
            sigv4_auth ca;
            memset(&ca, 0, sizeof ca);
            err_clear(&e);
            /* a key id past SIGV4_KEY_MAX, or none, parses with key_too_long and no
             * access_key (no key matches it: UnrecognizedClientException once the scope
             * passes); a scope sigv4_check_scope passes has an 8-byte date that is the
             * request's */
            if (sigv4_parse_credential(qp[i].value, strlen(qp[i].value), &ca, &e) == 0 &&
                ((!ca.access_key[0] && !ca.key_too_long) ||
                 (ca.key_too_long && ca.access_key[0]) ||
                 (sigv4_check_scope(&ca, "20260101T000000Z", &e) == 0 &&
                  strcmp(ca.date, "20260101") != 0)))
                fz_fail("a credential scope parsed without a key, or passed with another date");
        }
    const char *date = sigv4_header_get(&req, "X-Amz-Date");
    long long now = date ? sigv4_parse_amz_date(date) : -1;
    if (now < 0)
        now = 1767225600; /* 2026-01-01 */
    sigv4_auth out;
    err_clear(&e);
    (void)sigv4_verify(&req, CREDS, now, &out, &e);

    /* the same request signed correctly */
    if (parsed == 0 && date && strlen(date) >= 8) {
        buf_t canon, sts;
        buf_init(&canon, 0);
        buf_init(&sts, 0);
        char scope[4 * SIGV4_SCOPE_PART_MAX + 32];
        snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", pa.date, pa.region, pa.service);
        err_clear(&e);
        if (sigv4_canonical_request(&req, pa.signed_headers, &canon, &e) == 0 &&
            sigv4_string_to_sign(date, scope, canon.data, canon.len, &sts, &e) == 0) {
            unsigned char key[32];
            char sig[65];
            sigv4_signing_key("fuzz-secret", pa.date, pa.region, pa.service, key);
            sigv4_signature(key, sts.data, sts.len, sig);
            char signed_auth[SIGV4_SIGNED_HEADERS_MAX + 512];
            snprintf(signed_auth, sizeof signed_auth,
                     "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/%s, SignedHeaders=%s, Signature=%s",
                     scope, pa.signed_headers, sig);
            h[nh - 1].value = signed_auth;
            err_clear(&e);
            (void)sigv4_verify(&req, CREDS, now, &out, &e);
        }
        buf_fini(&canon);
        buf_fini(&sts);
    }
    free(auth);
    free(hblock);
    free(query);
    return 0;
}
