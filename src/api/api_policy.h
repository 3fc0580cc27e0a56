/*
 * api_policy — a resource-based policy document's checks (api_policy.c).  Layer: api
 * (private).  api_policy_doc and api_policy_attach, which CreateTable uses, are declared in
 * api_int.h.
 */
#ifndef DDB_API_API_POLICY_H
#define DDB_API_API_POLICY_H

#include "api/api_int.h"

/* Checks a policy document (text[0..len)) as DynamoDB does and writes its canonical form
 * into *out (arena).  ValidationException with the service's texts, or ERR_NOMEM. */
int api_policy_check(api_req *r, const char *text, size_t len, const char **out);

#endif
