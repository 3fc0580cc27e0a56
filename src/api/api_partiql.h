/*
 * api_partiql — one PartiQL statement against the store (api_partiql.c), for the PartiQL
 * operations (op_partiql.c).  Layer: api (private).
 */
#ifndef DDB_API_API_PARTIQL_H
#define DDB_API_API_PARTIQL_H

#include "api/api_item.h"
#include "api/api_int.h"
#include "expr/expr_partiql.h"
#include "value/jread.h"

/* texts both files answer with */
#define TXT_PQ_NOT_FOUND "Requested resource not found"
/* AWS 2026-10 (eu-west-2, us-east-1: the conformance suite fork's tier3
 * error-messages/partiqlMultiAttributeIndex); DynamoDB Local 3.3 says "composite" for
 * "multi-attribute" */
#define TXT_PQ_MULTI_KEY                                                                        \
    "PartiQL statements cannot be executed on tables with multi-attribute HASH keys or "         \
    "multi-attribute RANGE keys."
#define TXT_PQ_KEY_EQ "Where clause does not contain a mandatory equality on all key attributes"
#define TXT_PQ_INSERT_RETURNING "RETURNING is not supported in INSERT"
#define TXT_PQ_DUPLICATE "Duplicate primary key exists in table"
#define TXT_PQ_NESTING "Nesting Levels have exceeded supported limits"
#define TXT_PQ_EXISTS_COND "EXISTS() must contain a single item read with additional condition"

/* One statement of a request, parsed and bound. */
typedef struct pq_stmt {
    const char *text;
    size_t len;
    av_t *params;
    size_t nparams;
    expr_pq_bound b;
    bool at_text; /* the parameters were read: an error now is the statement's */
    bool syntax;  /* the statement's refusal is a syntax error */
} pq_stmt;
/* One write statement, ready for the store. */
typedef struct pq_write {
    const store_table *t;
    api_wctx w;
    av_t key;
    expr_pq_ret ret;
    bool insert;
} pq_write;

/* A PartiQL request from our reader's tree: r->body becomes a jansson tree of it without
 * the Parameters arrays, which stay in ours (see api_partiql.c).  members NULL
 * (ExecuteStatement): the request's own Parameters (*out_params); else the name of the array
 * of members (*out_member_params, one per member).  0 or ERR_NOMEM. */
int api_pq_body(api_req *r, const char *members, const jread_val **out_params,
                const jread_val ***out_member_params);
/* Statement text and Parameters of o (ExecuteStatement's body or one batch/transaction
 * member), parsed and bound into *s.  params_jr: the Parameters array in our reader's tree
 * when o was built without it (api_pq_body), else NULL. */
int api_pq_load(api_req *r, json_t *o, const jread_val *params_jr, pq_stmt *s);
/* The statement's table, with AWS's text when it does not exist. */
int api_pq_table(api_req *r, const expr_pq_bound *b, const store_table **out);
/* Index `name` of t, or NULL. */
const store_index *api_pq_find_index(const store_table *t, const char *name);
/* A key value used in a key condition: type and emptiness per the schema. */
int api_pq_key_value_check(api_req *r, const char *name, av_type want, const av_t *v);
/* Refuses a path of the WHERE or the select list that reaches into a key attribute of the
 * table or of its indexes (as expressions do). */
int api_pq_key_attr_check(api_req *r, const expr_pq_bound *b, const store_table *t);
/* The reads a keyed SELECT decomposes into: overlapping OR branches on one partition and
 * more than 50 reads are refused (texts prefixed with txn_prefix in a transaction). */
int api_pq_decomposed_reads(api_req *r, const expr_pq_bound *b, const store_keydef *kd,
                            const char *txn_prefix);
/* ExecuteStatement's SELECT: one page (Limit, 1 MB) and its NextToken into *out. */
int api_pq_select(api_req *r, const pq_stmt *s, json_t **out);
/* Turns INSERT / UPDATE / DELETE / EXISTS into a write (kind API_W_*). */
int api_pq_write_prepare(api_req *r, const expr_pq_bound *b, pq_write *pw);
/* The store write of pw (want_old: the old item is read back). */
void api_pq_sw_init(store_write *sw, api_req *r, pq_write *pw, bool want_old);
/* The RETURNING item's room, reserved before the write; sum: a batch's running total of
 * its members' room, else NULL. */
void api_pq_reply_room(api_req *r, pq_write *pw, store_write *sw, size_t *sum);
/* The RETURNING item of a finished write (*have false: none). */
int api_pq_returning_item(api_req *r, const pq_write *pw, const store_write *sw, av_t *out,
                          bool *have);
/* The units a write consumed (its GSIs' included), times factor (transactional: 2). */
void api_pq_write_units(const pq_write *pw, const store_write *sw, int factor, api_cap *out);
/* The half units a write whose condition failed (a duplicate INSERT, an UPDATE / DELETE whose
 * WHERE did not hold) consumes: the write units of the larger of the stored item and, for an
 * INSERT, the item it carried; 1 unit when neither is known (AWS: Dynoxide's capture U2,
 * three failed INSERTs of small items costing 1, 1 and 3 units where the third key held a
 * 3 KB item; the Developer Guide's "DynamoDB read and write operations"). */
uint64_t api_pq_failed_h(const pq_write *pw, const store_write *sw);
/* ExecuteStatement's INSERT / UPDATE / DELETE: applied, answered into *out. */
int api_pq_write_one(api_req *r, const pq_stmt *s, json_t **out);

#endif
