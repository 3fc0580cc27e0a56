/*
 * api_conflict — the opt-in transaction conflicts (`ddbchat serve --transaction-conflicts`,
 * api_opts.transaction_conflicts).  Layer: api.
 *
 * The engine applies a TransactWriteItems in one LMDB write transaction, so by itself nothing
 * ever meets a transaction half done.  On AWS a transaction holds its items while it runs, and
 * a write that meets one fails (the Developer Guide's "Transaction conflict handling"): a
 * PutItem, UpdateItem or DeleteItem of an item an ongoing TransactWriteItems holds gets
 * TransactionConflictException, and a TransactWriteItems one of whose items another holds is
 * cancelled with reason TransactionConflict.  With the switch on, a TransactWriteItems holds
 * its items (table + key, as a 64-bit hash) from before its write is queued until it is
 * answered, and the single-item writes and transactions check them first.  Off: one branch
 * per write.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "base/buf.h"
#include "value/keycodec.h"

void api_hold_init(api_t *api, bool on)
{
    api->txn_conflicts = on;
    pthread_mutex_init(&api->hold_mu, NULL);
    api->held = NULL;
    api->n_held = api->cap_held = 0;
}

void api_hold_fini(api_t *api)
{
    free(api->held);
    api->held = NULL;
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

static bool held_locked(const api_t *api, uint64_t k)
{
    for (size_t i = 0; i < api->n_held; i++)
        if (api->held[i] == k)
            return true;
    return false;
}

bool api_hold_busy(api_t *api, uint64_t k)
{
    pthread_mutex_lock(&api->hold_mu);
    bool b = held_locked(api, k);
    pthread_mutex_unlock(&api->hold_mu);
    return b;
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
    if (!*any_busy) {
        if (api->n_held + n > api->cap_held) {
            size_t nc = (api->n_held + n) * 2;
            uint64_t *g = realloc(api->held, nc * sizeof *g);
            if (!g)
                rc = ERR_NOMEM;
            else {
                api->held = g;
                api->cap_held = nc;
            }
        }
        if (rc == 0) {
            memcpy(api->held + api->n_held, keys, n * sizeof *keys);
            api->n_held += n;
        }
    }
    pthread_mutex_unlock(&api->hold_mu);
    return rc;
}

void api_hold_release(api_t *api, const uint64_t *keys, size_t n)
{
    pthread_mutex_lock(&api->hold_mu);
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < api->n_held; i++)
            if (api->held[i] == keys[j]) {
                api->held[i] = api->held[--api->n_held];
                break;
            }
    pthread_mutex_unlock(&api->hold_mu);
}
