/*
 * fuzz_jwt — JWT bearer tokens (src/messaging/auth.c, over libjwt 1.10).
 *
 * Input: a flags byte, then either (flags even) a token taken as is, or (flags odd) a header
 * JSON and a payload JSON separated by a NUL byte, which the target encodes and signs with
 * the configured HS256 secret, so the claim checks (exp, iat, nbf, the user claim) are
 * reached past the signature.  Properties: a token that verifies names a user (a non-empty
 * string shorter than the output buffer); a token whose signature was not made with the
 * secret never verifies (its last byte flipped must fail).
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fuzz_common.h"
#include "messaging/auth.h"
#include "messaging/service.h"

#define FZ_NOW 1767225600LL /* 2026-01-01T00:00:00Z */

static const unsigned char SECRET[] = "fuzz-jwt-secret";
static msg_config CFG;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    msg_config_default(&CFG);
    CFG.jwt_secret = SECRET;
    CFG.jwt_secret_len = sizeof SECRET - 1;
    return 0;
}

static size_t b64url(const unsigned char *p, size_t n, char *out)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        out[o++] = t[v >> 18 & 63];
        out[o++] = t[v >> 12 & 63];
        out[o++] = t[v >> 6 & 63];
        out[o++] = t[v & 63];
    }
    if (n - i) {
        unsigned v = (unsigned)p[i] << 16 | (n - i == 2 ? (unsigned)p[i + 1] << 8 : 0);
        out[o++] = t[v >> 18 & 63];
        out[o++] = t[v >> 12 & 63];
        if (n - i == 2)
            out[o++] = t[v >> 6 & 63];
    }
    out[o] = 0;
    return o;
}

static void verify(const char *token, bool forged)
{
    char who[256];
    err_t e = {0};
    int rc = msg_jwt_verify(&CFG, token, FZ_NOW, who, sizeof who, &e);
    if (rc == 0 && forged)
        fz_fail("a token with a wrong signature verified: %s", token);
    if (rc == 0 && (!who[0] || strlen(who) >= sizeof who))
        fz_fail("a verified token names no user");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > MSG_JWT_MAX)
        return 0;
    if (!(data[0] & 1)) {
        char *t = fz_strndup((const char *)data + 1, size - 1);
        verify(t, false);
        free(t);
        return 0;
    }
    fz_part parts[2] = {{0}};
    fz_split(data + 1, size - 1, parts, 2);
    size_t cap = (parts[0].n + parts[1].n) * 4 / 3 + 128;
    char *tok = malloc(cap);
    if (!tok)
        abort();
    size_t n = b64url((const unsigned char *)parts[0].p, parts[0].n, tok);
    tok[n++] = '.';
    n += b64url((const unsigned char *)parts[1].p, parts[1].n, tok + n);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned maclen = 0;
    HMAC(EVP_sha256(), SECRET, (int)(sizeof SECRET - 1), (const unsigned char *)tok, n, mac,
         &maclen);
    tok[n++] = '.';
    size_t sig = n;
    n += b64url(mac, maclen, tok + n);
    verify(tok, false);
    /* the same token with its signature changed */
    tok[sig] = tok[sig] == 'A' ? 'B' : 'A';
    verify(tok, true);
    free(tok);
    return 0;
}
