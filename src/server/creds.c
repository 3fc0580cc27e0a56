/*
 * creds — the access keys the DynamoDB endpoint accepts.  Layer: server.  See sigv4.h.
 *
 * A small array of (access key id, secret) pairs, filled at start-up from
 * `--credentials-file` and/or DDBCHAT_ACCESS_KEY_ID / DDBCHAT_SECRET_ACCESS_KEY, read-only
 * (so thread-safe) while the server runs.  Lookup is linear: a deployment has a handful of keys.
 */
#include "server/sigv4.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define CREDS_MAX_KEYS 4096
#define CREDS_LINE_MAX 1024

typedef struct sigv4_cred {
    char key[SIGV4_KEY_MAX + 1];
    char secret[SIGV4_SECRET_MAX + 1];
} sigv4_cred;

struct sigv4_creds {
    sigv4_cred *v;
    size_t n, cap;
};

int sigv4_creds_new(sigv4_creds **out, err_t *e)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : err_set(e, ERR_NOMEM, "out of memory");
}

void sigv4_creds_free(sigv4_creds *c)
{
    if (!c)
        return;
    if (c->v)
        explicit_bzero(c->v, c->cap * sizeof *c->v);
    free(c->v);
    free(c);
}

size_t sigv4_creds_count(const sigv4_creds *c)
{
    return c ? c->n : 0;
}

const char *sigv4_creds_secret(const sigv4_creds *c, const char *access_key)
{
    if (!c || !access_key)
        return NULL;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].key, access_key) == 0)
            return c->v[i].secret;
    return NULL;
}

int sigv4_creds_add(sigv4_creds *c, const char *access_key, const char *secret, err_t *e)
{
    size_t kl = access_key ? strlen(access_key) : 0, sl = secret ? strlen(secret) : 0;
    if (kl == 0 || kl > SIGV4_KEY_MAX)
        return err_set(e, ERR_VALIDATION, "access key id must be 1..%d bytes", SIGV4_KEY_MAX);
    if (sl == 0 || sl > SIGV4_SECRET_MAX)
        return err_set(e, ERR_VALIDATION, "secret access key must be 1..%d bytes",
                       SIGV4_SECRET_MAX);
    for (size_t i = 0; i < kl; i++)
        if (access_key[i] == '/' || access_key[i] <= ' ')
            return err_set(e, ERR_VALIDATION, "access key id contains '/' or whitespace");
    sigv4_cred *slot = NULL;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].key, access_key) == 0)
            slot = &c->v[i];
    if (!slot) {
        if (c->n == CREDS_MAX_KEYS)
            return err_set(e, ERR_VALIDATION, "too many access keys (max %d)", CREDS_MAX_KEYS);
        if (c->n == c->cap) {
            size_t ncap = c->cap ? c->cap * 2 : 4;
            sigv4_cred *nv = calloc(ncap, sizeof *nv);
            if (!nv)
                return err_set(e, ERR_NOMEM, "out of memory");
            if (c->v) {
                memcpy(nv, c->v, c->n * sizeof *nv);
                explicit_bzero(c->v, c->cap * sizeof *c->v);
                free(c->v);
            }
            c->v = nv;
            c->cap = ncap;
        }
        slot = &c->v[c->n++];
    }
    memcpy(slot->key, access_key, kl + 1);
    memcpy(slot->secret, secret, sl + 1);
    return 0;
}

int sigv4_creds_load_file(sigv4_creds *c, const char *path, err_t *e)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return err_set(e, ERR_IO, "cannot read credentials file %s: %s", path, strerror(errno));
    char line[CREDS_LINE_MAX];
    int rc = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            rc = err_set(e, ERR_VALIDATION, "%s:%d: line too long", path, lineno);
            break;
        }
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
            continue;
        char *k = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        char *kend = p;
        while (*p == ' ' || *p == '\t')
            p++;
        char *s = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        char *send = p;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (s == send || *p) {
            rc = err_set(e, ERR_VALIDATION, "%s:%d: expected \"ACCESS_KEY_ID SECRET_ACCESS_KEY\"",
                         path, lineno);
            break;
        }
        *kend = '\0';
        *send = '\0';
        err_t sub = {0};
        if (sigv4_creds_add(c, k, s, &sub)) {
            rc = err_set(e, sub.code, "%s:%d: %s", path, lineno, sub.msg);
            break;
        }
    }
    int rerr = errno; /* fgets's, when it failed (a directory: EISDIR) */
    explicit_bzero(line, sizeof line);
    if (!rc && ferror(f))
        rc = err_set(e, ERR_IO, "cannot read credentials file %s: %s", path, strerror(rerr));
    fclose(f);
    return rc;
}
