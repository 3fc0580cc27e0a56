/*
 * api_txn_token — the ClientRequestToken cache of TransactWriteItems (op_transact.c) and
 * ExecuteTransaction (op_partiql.c).  Layer: api (private).  See api_txn_token.c.
 */
#ifndef DDB_API_API_TXN_TOKEN_H
#define DDB_API_API_TXN_TOKEN_H

#include "api/api_int.h"
#include "api/api_item.h"

/* The cache's key for a ClientRequestToken of `len` bytes (a NUL inside kept, escaped), in
 * r->arena; NULL when out of memory. */
const char *api_txn_token_key(api_req *r, const char *token, size_t len);

/* Looks `token` (api_txn_token_key's) up for this request (its tree: r->jbody, else r->body,
 * canonicalised, less its ReturnConsumedCapacity: a replay asks for its own capacity report,
 * api_txn_token_replay_cc): 0 with *out_replay NULL = first use (run the operation, then call end),
 * 0 with *out_replay set = the stored answer of an earlier identical request (new
 * reference), or ERR_IDEMPOTENT_PARAMETER_MISMATCH / ERR_TRANSACTION_IN_PROGRESS /
 * ERR_NOMEM. */
int api_txn_token_begin(api_req *r, const char *token, json_t **out_replay);

/* Ends what begin registered: stores the answer (resp) or forgets the token (resp NULL: the
 * operation failed), except when the writes were committed: then a failure after them (resp
 * NULL) keeps the token with an empty answer, so a retry under it does not apply them again
 * (review15 F8). */
void api_txn_token_end(api_req *r, const char *token, const json_t *resp, bool committed);

/* The same with the answer as JSON text: text is kept; without one (NULL) the token is
 * forgotten, or keeps an empty answer when committed. */
void api_txn_token_end_text(api_req *r, const char *token, const char *text, bool committed);

/* A replayed answer's ConsumedCapacity as the replay asks for it (rcc), whatever its first
 * call asked: the first call's reads kept under member `stored` (INDEXES form: one entry per
 * table with its "Table" part), taken out of replay; TOTAL leaves the per-table parts out,
 * NONE reports none.  Without `stored` the answer's own ConsumedCapacity is kept (left out
 * for NONE). */
void api_txn_token_replay_cc(json_t *replay, const char *stored, api_rcc rcc);

/* Frees the cache (api_free). */
void api_txn_tokens_free(api_t *api);

#endif
