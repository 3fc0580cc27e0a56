/*
 * api_policy — a resource-based policy document's checks (api_policy.c), for the policy
 * operations (op_policy.c) and CreateTable's ResourcePolicy (op_table.c).  Layer: api
 * (private).
 */
#ifndef DDB_API_API_POLICY_H
#define DDB_API_API_POLICY_H

#include "api/api_int.h"

/* Checks a policy document (text[0..len)) as DynamoDB does and writes its canonical form
 * into *out (arena).  ValidationException with the service's texts, or ERR_NOMEM. */
int api_policy_check(api_req *r, const char *text, size_t len, const char **out);

/* The policy document in r->body's member `member` (CreateTable's ResourcePolicy), checked
 * as PutResourcePolicy checks its Policy: *out its canonical text (arena), NULL when the
 * member is absent.  0, ERR_VALIDATION with the service's text, or ERR_NOMEM. */
int api_policy_doc(api_req *r, const char *member, const char **out);
/* Attaches canonical document doc to a new table's metadata, its revision the creation time
 * ms.  0, or -1 out of memory. */
int api_policy_attach(json_t *meta, const char *doc, int64_t ms);

#endif
