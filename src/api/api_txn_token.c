/*
 * api_txn_token — the ClientRequestToken cache of the transactional operations
 * (TransactWriteItems, op_transact.c; ExecuteTransaction, op_partiql.c).  Layer: api.
 *
 * Each operation asks api_txn_token_begin before its writes and tells api_txn_token_end
 * after them; neither knows how the cache keeps its entries.  What is kept: the token, a
 * keyed 128-bit digest of the request's tree (value/jdigest.h: SipHash-2-4's 128-bit tag
 * under a random per-cache key of a canonical encoding, so a different request cannot be
 * made to collide from outside) and the successful answer, for API_TXN_TOKEN_TTL_MS, within
 * a bound in bytes (api_opts txn_token_max_bytes, API_TXN_TOKEN_MAX_BYTES by default: past
 * it the oldest tokens are forgotten early, so many large transactions with distinct tokens
 * cannot exhaust memory).  The same token with the same request returns the same answer
 * without applying the writes again; with a different request it is
 * IdempotentParameterMismatchException; while the first call is still running,
 * TransactionInProgressException.  ReturnConsumedCapacity is not one of the parameters a
 * token names: the digest leaves it out, and a replay reports its reads in the replay's own
 * mode (api_txn_token_replay_cc; Dynoxide, checked against AWS: "a same-token call differing
 * only in the capacity mode replays rather than mismatching"; DynamoDB Local answers so too:
 * test_transact.py test_transact_idempotency_capacity_mode_is_not_a_parameter).  The digest is walked from our reader's tree when the
 * request has one, from the jansson tree otherwise (api_call): the same for the same request
 * either way (a gzip'd retry of a plain first call is its replay); the answer kept is the
 * reply's text.  The cache hangs off api->txn_tokens, created lazily (compare-and-swap) and
 * protected by its own mutex.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
 * (ClientRequestToken)
 */
#include "api/api_txn_token.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "value/ddbjson.h"
#include "value/jdigest.h"

#define API_TXN_TOKEN_TTL_MS (10LL * 60 * 1000)
#define API_TXN_TOKEN_MAX_ENTRIES 100000

#define TXT_T_IN_PROGRESS "Transaction is ongoing for the supplied ClientRequestToken"
/* a ClientRequestToken reused with other parameters (TransactWriteItems, ExecuteTransaction) */
#define TXT_T_TOKEN_MISMATCH                                                                     \
    "Specified idempotent token was used with different request parameters within the "         \
    "idempotency window"

/* ---- ClientRequestToken cache -----------------------------------------------------------
 * A hash table (token -> entry) plus a FIFO of entries in creation order, so expiry pops
 * from the head in O(1) per expired entry.  An entry lives API_TXN_TOKEN_TTL_MS from the
 * token's first use (as the service counts it).  At API_TXN_TOKEN_MAX_ENTRIES entries or
 * max_bytes bytes the oldest entry is dropped early rather than refusing new tokens.  A forgotten (failed) entry leaves
 * the table at once and the FIFO when it reaches the head. */

#define TOK_BUCKETS 16384

typedef struct tok_entry {
    struct tok_entry *next_fifo; /* newer entry */
    struct tok_entry *next_hash; /* bucket chain */
    uint64_t digest[2]; /* keyed digest of the request (tok_digest) */
    char *response; /* JSON text of the answer; NULL while the first call runs */
    long long at_ms;
    size_t bytes;   /* what the entry costs: struct + token + response */
    bool in_table;  /* still findable by token */
    char token[];   /* the cache key (api_txn_token_key), NUL-terminated */
} tok_entry;

typedef struct tok_cache {
    pthread_mutex_t mu;
    unsigned char key[16]; /* the digest's SipHash key, random per cache */
    tok_entry *head, *tail; /* FIFO: oldest .. newest */
    tok_entry *bucket[TOK_BUCKETS];
    size_t n;               /* entries in the FIFO */
    size_t bytes;           /* sum of their bytes */
    size_t max_bytes;       /* bound on bytes (api->txn_token_max_bytes) */
} tok_cache;

static size_t tok_hash(const char *t)
{
    uint32_t h = 2166136261u;
    for (; *t; t++)
        h = (h ^ (unsigned char)*t) * 16777619u;
    return h % TOK_BUCKETS;
}

/* The answer kept for a committed call whose own answer could not be kept (out of memory
 * while it was built or copied): a replay then answers an empty 200, never runs the writes
 * again (review9 9: the entry used to be forgotten, and the SDK's retry of the 500 applied the
 * transaction a second time). */
static char tok_empty_reply[] = "{}";

static void tok_entry_free(tok_entry *t)
{
    if (!t)
        return;
    if (t->response != tok_empty_reply)
        free(t->response);
    free(t);
}

static tok_cache *tok_cache_get(api_t *api)
{
    tok_cache *c = __atomic_load_n((tok_cache **)&api->txn_tokens, __ATOMIC_ACQUIRE);
    if (c)
        return c;
    tok_cache *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    for (size_t got = 0; got < sizeof n->key;) {
        ssize_t k = getrandom(n->key + got, sizeof n->key - got, 0);
        if (k <= 0) { /* no randomness: no cache (ERR_NOMEM to the caller, as a failed alloc) */
            free(n);
            return NULL;
        }
        got += (size_t)k;
    }
    pthread_mutex_init(&n->mu, NULL);
    n->max_bytes = api->txn_token_max_bytes;
    void *expected = NULL;
    if (__atomic_compare_exchange_n(&api->txn_tokens, &expected, n, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        return n;
    pthread_mutex_destroy(&n->mu);
    free(n);
    return expected;
}

void api_txn_tokens_free(api_t *api)
{
    if (!api || !api->txn_tokens)
        return;
    tok_cache *c = api->txn_tokens;
    for (tok_entry *t = c->head, *nx; t; t = nx) {
        nx = t->next_fifo;
        tok_entry_free(t);
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
    api->txn_tokens = NULL;
}

/* Removes t from its hash chain (caller holds the lock). */
static void tok_unhash(tok_cache *c, tok_entry *t)
{
    if (!t->in_table)
        return;
    for (tok_entry **pp = &c->bucket[tok_hash(t->token)]; *pp; pp = &(*pp)->next_hash) {
        if (*pp == t) {
            *pp = t->next_hash;
            break;
        }
    }
    t->in_table = false;
}

/* Pops the oldest entry (caller holds the lock). */
static void tok_pop(tok_cache *c)
{
    tok_entry *t = c->head;
    c->head = t->next_fifo;
    if (!c->head)
        c->tail = NULL;
    tok_unhash(c, t);
    c->bytes -= t->bytes;
    tok_entry_free(t);
    c->n--;
}

static tok_entry *tok_find(tok_cache *c, const char *token)
{
    for (tok_entry *t = c->bucket[tok_hash(token)]; t; t = t->next_hash)
        if (strcmp(t->token, token) == 0)
            return t;
    return NULL;
}

enum tok_state { TOK_NEW = 0, TOK_REPLAY, TOK_MISMATCH, TOK_BUSY, TOK_NOMEM };

/* The digest a token's entry keeps of its request: jdigest's 128-bit SipHash-2-4 tag of the
 * request's tree under the cache's random key, from the jansson tree (body) or from our
 * reader's (jbody, scratch from a): the same for the same request (jdigest.h).  A different
 * request with the same token is told apart unless the tags collide (about 2^-128 for
 * requests not chosen with the key known).  0, or ERR_NOMEM. */
static int tok_digest(const tok_cache *c, const json_t *body, const jread_val *jbody,
                      arena_t *a, uint64_t out[2])
{
    static const char rcc[] = "ReturnConsumedCapacity"; /* not a parameter the token names */
    int rc = body ? jdigest_json_but(c->key, body, rcc, sizeof rcc - 1, out)
                  : jdigest_jread_but(c->key, jbody, rcc, sizeof rcc - 1, a, out);
    return rc ? ERR_NOMEM : 0;
}

/* Looks token up: replays (copy of the answer in *out_resp), mismatch, busy, or registers a
 * pending entry (TOK_NEW).  dg: the request's digest (tok_digest). */
static enum tok_state tok_begin(tok_cache *c, const char *token, const uint64_t dg[2],
                                char **out_resp)
{
    enum tok_state st = TOK_NEW;
    long long now = base_mono_ms();
    pthread_mutex_lock(&c->mu);
    while (c->head && now - c->head->at_ms > API_TXN_TOKEN_TTL_MS)
        tok_pop(c);
    tok_entry *t = tok_find(c, token);
    if (t) {
        if (t->digest[0] != dg[0] || t->digest[1] != dg[1])
            st = TOK_MISMATCH;
        else if (!t->response)
            st = TOK_BUSY;
        else {
            *out_resp = strdup(t->response);
            st = *out_resp ? TOK_REPLAY : TOK_NOMEM;
        }
    } else {
        size_t tlen = strlen(token), need = sizeof *t + tlen + 1;
        while (c->head && (c->n >= API_TXN_TOKEN_MAX_ENTRIES || c->bytes + need > c->max_bytes))
            tok_pop(c);
        t = calloc(1, need);
        if (t) {
            memcpy(t->token, token, tlen + 1);
            t->digest[0] = dg[0];
            t->digest[1] = dg[1];
            t->at_ms = now;
            t->bytes = need;
        }
        if (!t) {
            st = TOK_NOMEM;
        } else {
            size_t h = tok_hash(token);
            t->next_hash = c->bucket[h];
            c->bucket[h] = t;
            t->in_table = true;
            if (c->tail)
                c->tail->next_fifo = t;
            else
                c->head = t;
            c->tail = t;
            c->n++;
            c->bytes += need;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return st;
}

/* Completes (response != NULL: stores a copy) or forgets (response NULL) a pending entry.
 * committed: the call's writes are durable, so the entry is never forgotten: without its
 * answer (NULL, or no memory for the copy) it keeps tok_empty_reply. */
static void tok_end_ex(tok_cache *c, const char *token, const char *response, bool committed)
{
    pthread_mutex_lock(&c->mu);
    tok_entry *t = tok_find(c, token);
    if (t && !t->response) {
        if (response)
            t->response = strdup(response);
        if (!t->response && committed) {
            t->response = tok_empty_reply;
        } else if (!t->response) {
            tok_unhash(c, t); /* the FIFO frees it when it reaches the head */
        } else {
            size_t more = strlen(response) + 1;
            t->bytes += more;
            c->bytes += more;
            /* the answer may carry the bound over: forget older tokens, never this one */
            while (c->head != t && c->bytes > c->max_bytes)
                tok_pop(c);
        }
    }
    pthread_mutex_unlock(&c->mu);
}

/* The token as the cache's key: a C string that keeps every byte of the JSON string (a
 * token may hold U+0000: "a\u0000b" and "a\u0000c" are two tokens), NUL and backslash
 * escaped, after the caller's table namespace (access key and region) and "\|": the same
 * token of two namespaces names two requests on two sets of tables, as two AWS accounts'
 * (test_ddb_proto test_transact_answered_later); no escaped text holds "\|" at an escape's
 * start, so the key tells the two apart.  Arena. */
const char *api_txn_token_key(api_req *r, const char *s, size_t len)
{
    const char *ns = r->caller ? r->caller->ns : NULL;
    size_t nl = ns ? strlen(ns) : 0;
    char *k = arena_alloc(r->arena, 2 * nl + 2 + 2 * len + 1), *p = k;
    if (!k)
        return NULL;
    for (size_t i = 0; i < nl; i++) {
        if (ns[i] == '\\')
            *p++ = '\\';
        *p++ = ns[i];
    }
    if (ns) {
        *p++ = '\\';
        *p++ = '|';
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == 0 || s[i] == '\\') {
            *p++ = '\\';
            *p++ = s[i] ? '\\' : '0';
        } else {
            *p++ = s[i];
        }
    }
    *p = 0;
    return k;
}

void api_txn_token_replay_cc(json_t *replay, const char *stored, api_rcc rcc)
{
    json_t *cc = json_incref(json_object_get(replay, stored));
    if (!cc) {
        if (rcc == API_RCC_NONE)
            json_object_del(replay, "ConsumedCapacity");
        return;
    }
    json_object_del(replay, stored);
    json_object_del(replay, "ConsumedCapacity");
    if (rcc != API_RCC_NONE) {
        size_t i;
        json_t *c;
        if (rcc == API_RCC_TOTAL)
            json_array_foreach(cc, i, c) json_object_del(c, "Table");
        json_object_set(replay, "ConsumedCapacity", cc);
    }
    json_decref(cc);
}

/* Both operations' entry (api_txn_token.h). */
int api_txn_token_begin(api_req *r, const char *token, json_t **out_replay)
{
    *out_replay = NULL;
    tok_cache *tc = tok_cache_get(r->api);
    uint64_t dg[2];
    /* the whole request: r->body may lack what was read from our reader's tree (api_partiql.c
     * api_pq_body: the Parameters); jdigest gives both trees of one text the same digest */
    if (!tc || (r->jbody ? tok_digest(tc, NULL, r->jbody, r->arena, dg)
                         : tok_digest(tc, r->body, NULL, NULL, dg)))
        return api_nomem(r);
    char *replay = NULL;
    enum tok_state st = tok_begin(tc, token, dg, &replay);
    switch (st) {
    case TOK_NEW:
        return 0;
    case TOK_REPLAY:
        *out_replay = json_loads(replay, JSON_ALLOW_NUL, NULL);
        free(replay);
        return *out_replay ? 0 : api_nomem(r);
    case TOK_MISMATCH:
        /* the service's text (client code written against AWS matches on "idempotent token
         * was used"); DynamoDB Local's message is empty (test_transact
         * test_transact_idempotency) */
        return err_set(r->err, ERR_IDEMPOTENT_PARAMETER_MISMATCH, TXT_T_TOKEN_MISMATCH);
    case TOK_BUSY:
        return err_set(r->err, ERR_TRANSACTION_IN_PROGRESS, TXT_T_IN_PROGRESS);
    case TOK_NOMEM:
        break;
    }
    return api_nomem(r);
}

void api_txn_token_end(api_req *r, const char *token, const json_t *resp, bool committed)
{
    tok_cache *tc = tok_cache_get(r->api);
    if (!tc)
        return;
    char *text = resp ? ddbjson_dumps_whole(resp, JSON_COMPACT) : NULL;
    tok_end_ex(tc, token, text, committed || resp); /* applied: never forgotten */
    free(text);
}

void api_txn_token_end_text(api_req *r, const char *token, const char *text, bool committed)
{
    tok_cache *tc = tok_cache_get(r->api);
    if (tc)
        tok_end_ex(tc, token, text, committed);
}
