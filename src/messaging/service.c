/*
 * service — the messaging service's lifecycle (configuration, msg_service_new/free) and the
 * row helpers its parts share (messaging_int.h).  Layer: messaging.
 * See service.h for the table layout, the write protocol and the invariants.  The parts:
 * service_schema.c (the table), service_validate.c (handles, names, texts), service_users.c
 * (users, case-insensitive handles), service_read.c (patterns A and B: listings, pages,
 * cursors), service_send.c (patterns C + D: sending).
 * DynamoDB documents used: GetItem
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GetItem.html).
 */
#include "messaging/messaging_int.h"
#include "messaging/auth.h"
#include "api/api.h"
#include "value/av.h"
#include "value/ddbjson.h"
#include "value/jout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* ---- lifecycle ---------------------------------------------------------------------- */

void msg_config_default(msg_config *c)
{
    memset(c, 0, sizeof *c);
    c->table = MSG_TABLE_DEFAULT;
    c->page_messages = MSG_PAGE_MESSAGES;
    c->page_conversations = MSG_PAGE_CONVERSATIONS;
    c->max_retries = 200;
    c->rest_deadline_ms = MSG_REST_DEADLINE_MS;
    c->unread_total_cache_ms = MSG_UNREAD_TOTAL_CACHE_MS;
    c->rename_batch = MSG_RENAME_BATCH_MAX;
    c->jwt_claim = "sub";
    const char *v;
    long n;
    if (msgi_env_long("DDBCHAT_REST_DEADLINE_MS", 1, 3600000, &n))
        c->rest_deadline_ms = n;
    if (msgi_env_long("DDBCHAT_RENAME_BATCH", 1, MSG_RENAME_BATCH_MAX, &n))
        c->rename_batch = (int)n;
    if ((v = getenv("DDBCHAT_JWT_PUBLIC_KEY_FILE")) && *v)
        c->jwt_public_key_file = v;
    if ((v = getenv("DDBCHAT_JWT_CLAIM")) && *v)
        c->jwt_claim = v;
    if ((v = getenv("DDBCHAT_CORS_ORIGIN")) && *v)
        c->cors_origin = v;
    if ((v = getenv(MSG_JWT_ISSUER_ENV)) && *v)
        c->jwt_issuer = v;
    if ((v = getenv(MSG_JWT_AUDIENCE_ENV)) && *v)
        c->jwt_audience = v;
    if ((v = getenv(MSG_JWT_MAX_LIFETIME_ENV)) && *v) {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (!*end && n > 0)
            c->jwt_max_lifetime = n;
    }
}

/* Reads a PEM file (at most 64 KB) into a malloc'ed string. */
static int read_pem(const char *path, char **out, err_t *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_IO, "cannot read the JWT public key %s: %s", path, strerror(errno));
    char *b = malloc(65537);
    size_t n = b ? fread(b, 1, 65536, f) : 0;
    int rerr = b && ferror(f) ? errno : 0; /* a directory opens, and fails here (EISDIR) */
    fclose(f);
    if (!b)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (rerr) {
        free(b);
        return err_set(e, ERR_IO, "cannot read the JWT public key %s: %s", path, strerror(rerr));
    }
    b[n] = 0;
    if (!strstr(b, "-----BEGIN")) {
        free(b);
        return err_set(e, ERR_VALIDATION, "%s is not a PEM public key", path);
    }
    *out = b;
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int msg_service_new(msg_backend *b, const msg_config *cfg, msg_service **out, err_t *e)
{
    msg_config def;
    if (!cfg) {
        msg_config_default(&def);
        cfg = &def;
    }
    msg_service *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(e, ERR_NOMEM, "out of memory");
    s->backend = b;
    s->cfg = *cfg;
    s->table = strdup(cfg->table ? cfg->table : MSG_TABLE_DEFAULT);
    s->jwt_claim = strdup(cfg->jwt_claim && *cfg->jwt_claim ? cfg->jwt_claim : "sub");
    s->jwt_public_key_pem = dup_or_null(cfg->jwt_public_key_pem);
    if (!cfg->jwt_public_key_pem && cfg->jwt_public_key_file) {
        int rc = read_pem(cfg->jwt_public_key_file, &s->jwt_public_key_pem, e);
        if (rc) {
            msg_service_free(s);
            return rc;
        }
    }
    s->cors_origin = dup_or_null(cfg->cors_origin);
    s->jwt_issuer = dup_or_null(cfg->jwt_issuer);
    s->jwt_audience = dup_or_null(cfg->jwt_audience);
    if (cfg->jwt_secret) {
        s->jwt_secret = malloc(cfg->jwt_secret_len + 1);
        if (s->jwt_secret) {
            memcpy(s->jwt_secret, cfg->jwt_secret, cfg->jwt_secret_len);
            s->jwt_secret[cfg->jwt_secret_len] = 0;
        }
    }
    if (!s->table || !s->jwt_claim || (cfg->jwt_public_key_pem && !s->jwt_public_key_pem) ||
        (cfg->cors_origin && !s->cors_origin) || (cfg->jwt_secret && !s->jwt_secret) ||
        (cfg->jwt_issuer && !s->jwt_issuer) || (cfg->jwt_audience && !s->jwt_audience)) {
        msg_service_free(s);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    s->cfg.table = s->table;
    s->cfg.jwt_claim = s->jwt_claim;
    s->cfg.jwt_public_key_pem = s->jwt_public_key_pem;
    s->cfg.jwt_public_key_file = NULL;
    s->cfg.cors_origin = s->cors_origin;
    s->cfg.jwt_issuer = s->jwt_issuer;
    s->cfg.jwt_audience = s->jwt_audience;
    s->cfg.jwt_secret = s->jwt_secret;
    if (s->cfg.page_messages <= 0 || s->cfg.page_messages > MSG_PAGE_MAX)
        s->cfg.page_messages = MSG_PAGE_MESSAGES;
    if (s->cfg.page_conversations <= 0 || s->cfg.page_conversations > MSG_PAGE_MAX)
        s->cfg.page_conversations = MSG_PAGE_CONVERSATIONS;
    if (s->cfg.max_retries <= 0)
        s->cfg.max_retries = 200;
    pthread_mutex_init(&s->users_mu, NULL);
    pthread_mutex_init(&s->fold_mu, NULL);
    pthread_mutex_init(&s->unread_mu, NULL);
    s->users_init = true;
    int crc = getrandom(s->users_key, sizeof s->users_key, 0) == (ssize_t)sizeof s->users_key
                  ? msg_jwt_cache_new(&s->jwt_cache)
                  : ERR_INTERNAL;
    if (crc) {
        msg_service_free(s);
        return err_set(e, crc, crc == ERR_NOMEM ? "out of memory" : "no random bytes");
    }
    *out = s;
    return 0;
}

void msg_service_free(msg_service *s)
{
    if (!s)
        return;
    if (s->fold_thread_on) {
        s->fold_stop = true;
        pthread_join(s->fold_thread, NULL);
    }
    free(s->table);
    free(s->jwt_secret);
    free(s->jwt_public_key_pem);
    free(s->jwt_claim);
    free(s->cors_origin);
    free(s->jwt_issuer);
    free(s->jwt_audience);
    msg_jwt_cache_free(s->jwt_cache);
    for (size_t i = 0; i < MSGI_USER_SETS * MSGI_USER_WAYS; i++)
        free(s->users[i]);
    if (s->users_init) {
        pthread_mutex_destroy(&s->users_mu);
        pthread_mutex_destroy(&s->fold_mu);
        pthread_mutex_destroy(&s->unread_mu);
    }
    free(s);
}

void msg_service_set_events(msg_service *s, msg_events *h)
{
    s->events = h;
}

msg_events *msg_service_events(msg_service *s)
{
    return s->events;
}

msg_backend *msg_service_backend(msg_service *s)
{
    return s->backend;
}

const char *msg_service_table(msg_service *s)
{
    return s->table;
}

const msg_config *msg_service_config(msg_service *s)
{
    return &s->cfg;
}

/* ---- row helpers (messaging_int.h) -------------------------------------------------- */

json_t *msgi_key2(const char *pk, const char *sk)
{
    return json_pack("{s:{s:s}, s:{s:s}}", "pk", "S", pk, "sk", "S", sk);
}

/* The Item of msgi_get_item's answer as DynamoDB JSON (the tree the reply's text would give). */
typedef struct item_rd {
    json_t *item;
} item_rd;

static int item_to_tree(void *ctx, const char *key, const av_t *item)
{
    item_rd *rd = ctx;
    if (strcmp(key, "Item") != 0)
        return 0;
    json_decref(rd->item);
    rd->item = ddbjson_from_item(item);
    return rd->item ? 0 : -1;
}

/* GetItem (strongly consistent).  *out_item NULL when absent.  The request as text, the item
 * as values (msgi_call_text): only the item's tree is built. */
int msgi_get_item(msg_service *s, const char *pk, const char *sk, json_t **out_item, err_t *e)
{
    *out_item = NULL;
    item_rd rd = {NULL};
    api_sink sink = {.item = item_to_tree, .ctx = &rd};
    int rc = msgi_get_item_sink(s, pk, sk, &sink, e);
    if (rc) {
        json_decref(rd.item);
        return rc;
    }
    *out_item = rd.item;
    return 0;
}

int msgi_get_item_sink(msg_service *s, const char *pk, const char *sk, const api_sink *sink,
                       err_t *e)
{
    jout req;
    jout_init(&req, 0);
    jout_raw(&req, "{", 1);
    msgi_jw_str(&req, false, "TableName", s->table);
    msgi_jw_key(&req, pk, sk);
    jout_raw(&req, ",\"ConsistentRead\":true}", 23);
    json_t *extra = NULL;
    err_t in;
    int rc = msgi_call_text(s, "GetItem", &req, sink, &extra, &in);
    jout_fini(&req);
    json_decref(extra);
    return rc ? msgi_storage(e, rc, &in) : 0;
}

/* Sleeps before the (n+1)th resend; returns the ms slept. */
long msgi_in_progress_wait(int n, unsigned *seed)
{
    long d = n < 7 ? (long)MSG_IN_PROGRESS_FIRST_MS << n : MSG_IN_PROGRESS_MAX_MS;
    if (d > MSG_IN_PROGRESS_MAX_MS)
        d = MSG_IN_PROGRESS_MAX_MS;
    long ms = d / 2 + (long)(rand_r(seed) % (unsigned)(d / 2 + 1));
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return ms;
}
