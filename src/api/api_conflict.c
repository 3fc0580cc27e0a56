/*
 * api_conflict — the opt-in transaction conflicts (`ddbchat serve --transaction-conflicts`,
 * api_opts.transaction_conflicts).  Layer: api.
 *
 * The engine applies a TransactWriteItems in one LMDB write transaction, so by itself nothing
 * ever meets a transaction half done.  On AWS a transaction holds its items while it runs, and
 * the Developer Guide's "Transaction conflict handling" lists what meets one: a PutItem,
 * UpdateItem or DeleteItem of an item an ongoing TransactWriteItems holds fails with
 * TransactionConflictException; a TransactWriteItems one of whose items another holds is
 * cancelled with reason TransactionConflict; a TransactGetItems one of whose items is part of
 * an ongoing TransactWriteItems, BatchWriteItem, PutItem, UpdateItem or DeleteItem is
 * cancelled with reason TransactionConflict.  With the switch on, each of those holds its
 * items (table + key, as a 64-bit hash) from before its write is queued until it is answered:
 * a transaction in `held`, a single-item or batch write in `held_w` (a multiset: two writes of
 * one item are serialised by the engine, never a conflict, as on AWS).  Writes check `held`,
 * TransactGetItems checks both.  Off: one branch per write.
 * DDBCHAT_CONFLICT_HOLD_MS (a test aid, read at start) makes every holder wait that long
 * before its write, so the e2e tests can meet a hold on purpose.
 */
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "api/api_conflict.h"
#include "api/api_int.h"
#include "base/buf.h"
#include "value/keycodec.h"

void api_hold_init(api_t *api, bool on)
{
    api->txn_conflicts = on;
    pthread_mutex_init(&api->hold_mu, NULL);
    api->held = api->held_w = NULL;
    api->n_held = api->cap_held = api->n_held_w = api->cap_held_w = 0;
    const char *d = on ? getenv("DDBCHAT_CONFLICT_HOLD_MS") : NULL;
    api->hold_delay_ms = d ? strtol(d, NULL, 10) : 0;
}

void api_hold_fini(api_t *api)
{
    free(api->held);
    free(api->held_w);
    api->held = api->held_w = NULL;
    pthread_mutex_destroy(&api->hold_mu);
}

int api_hold_key(const store_table *t, const av_t *key, uint64_t *out)
{
    buf_t b;
    buf_init(&b, 0);
    const av_t *h = av_map_gets(key, t->key.hash);
    const av_t *rv = t->key.range[0] ? av_map_gets(key, t->key.range) : NULL;
    int rc = h ? key_encode(h, &b) : ERR_VALIDATION;
    if (rc == 0 && rv)
        rc = key_encode(rv, &b);
    uint64_t x = 1469598103934665603ULL ^ t->id;
    for (size_t i = 0; rc == 0 && i < b.len; i++)
        x = (x ^ b.data[i]) * 1099511628211ULL;
    buf_fini(&b);
    *out = x;
    return rc;
}

static bool in_set(const uint64_t *set, size_t n, uint64_t k)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == k)
            return true;
    return false;
}

static bool held_locked(const api_t *api, uint64_t k)
{
    return in_set(api->held, api->n_held, k);
}

/* Room for `more` keys in a set (caller holds the lock).  0 or ERR_NOMEM. */
static int set_reserve(uint64_t **set, size_t n, size_t *cap, size_t more)
{
    if (n + more <= *cap)
        return 0;
    size_t nc = (n + more) * 2;
    uint64_t *g = realloc(*set, nc * sizeof *g);
    if (!g)
        return ERR_NOMEM;
    *set = g;
    *cap = nc;
    return 0;
}

/* Removes one occurrence of k (caller holds the lock). */
static void set_remove(uint64_t *set, size_t *n, uint64_t k)
{
    for (size_t i = 0; i < *n; i++)
        if (set[i] == k) {
            set[i] = set[--*n];
            return;
        }
}

bool api_hold_busy(api_t *api, uint64_t k)
{
    pthread_mutex_lock(&api->hold_mu);
    bool b = held_locked(api, k) || in_set(api->held_w, api->n_held_w, k);
    pthread_mutex_unlock(&api->hold_mu);
    return b;
}

int api_hold_writes(api_t *api, const uint64_t *keys, size_t n, bool *busy)
{
    pthread_mutex_lock(&api->hold_mu);
    int rc = set_reserve(&api->held_w, api->n_held_w, &api->cap_held_w, n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        busy[i] = held_locked(api, keys[i]);
        if (!busy[i])
            api->held_w[api->n_held_w++] = keys[i];
    }
    pthread_mutex_unlock(&api->hold_mu);
    return rc;
}

void api_hold_writes_release(api_t *api, const uint64_t *keys, size_t n, const bool *busy)
{
    pthread_mutex_lock(&api->hold_mu);
    for (size_t i = 0; i < n; i++)
        if (!busy[i])
            set_remove(api->held_w, &api->n_held_w, keys[i]);
    pthread_mutex_unlock(&api->hold_mu);
}

void api_hold_wait(const api_t *api)
{
    if (api->hold_delay_ms <= 0)
        return;
    struct timespec ts = {api->hold_delay_ms / 1000, (api->hold_delay_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

int api_hold_take(api_t *api, const uint64_t *keys, size_t n, bool *busy, bool *any_busy)
{
    int rc = 0;
    *any_busy = false;
    pthread_mutex_lock(&api->hold_mu);
    for (size_t i = 0; i < n; i++) {
        busy[i] = held_locked(api, keys[i]);
        *any_busy |= busy[i];
    }
    if (!*any_busy && (rc = set_reserve(&api->held, api->n_held, &api->cap_held, n)) == 0) {
        memcpy(api->held + api->n_held, keys, n * sizeof *keys);
        api->n_held += n;
    }
    pthread_mutex_unlock(&api->hold_mu);
    return rc;
}

void api_hold_release(api_t *api, const uint64_t *keys, size_t n)
{
    pthread_mutex_lock(&api->hold_mu);
    for (size_t j = 0; j < n; j++)
        set_remove(api->held, &api->n_held, keys[j]);
    pthread_mutex_unlock(&api->hold_mu);
}
