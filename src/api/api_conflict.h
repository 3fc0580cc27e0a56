/*
 * api_conflict — the opt-in transaction conflicts (--transaction-conflicts; api_conflict.c).
 * Layer: api (private).
 *
 * Used by the dispatcher (init/fini) and the operations that write or read transactionally:
 * the item writes (op_item.c), BatchWriteItem (op_batch.c), TransactWriteItems /
 * TransactGetItems (op_transact.c) and PartiQL's writes and transactions (api_partiql.c,
 * op_partiql.c).
 */
#ifndef DDB_API_API_CONFLICT_H
#define DDB_API_API_CONFLICT_H

#include "api/api_int.h"

#define TXT_TXN_ONGOING "Transaction is ongoing for the item"
void api_hold_init(api_t *api, bool on);
void api_hold_fini(api_t *api);
/* The hold key of the item with key `key` (an M holding the table's key) in table t. */
int api_hold_key(const store_table *t, const av_t *key, uint64_t *out);
/* Whether an ongoing transaction or write holds item k (what a TransactGetItems meets). */
bool api_hold_busy(api_t *api, uint64_t k);
/* A TransactWriteItems: holds every key unless an ongoing transaction holds one already
 * (busy[i] says which; nothing is taken then).  0 or ERR_NOMEM. */
int api_hold_take(api_t *api, const uint64_t *keys, size_t n, bool *busy, bool *any_busy);
void api_hold_release(api_t *api, const uint64_t *keys, size_t n);
/* Single-item and batch writes: holds each key no ongoing transaction holds; busy[i] says
 * which it did not take (two writes of one item never conflict).  0 or ERR_NOMEM (nothing
 * taken).  Release with the same busy. */
int api_hold_writes(api_t *api, const uint64_t *keys, size_t n, bool *busy);
void api_hold_writes_release(api_t *api, const uint64_t *keys, size_t n, const bool *busy);
/* The test aid's wait (DDBCHAT_CONFLICT_HOLD_MS) of a request that took holds. */
void api_hold_wait(const api_t *api);

#endif
