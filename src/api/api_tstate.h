/*
 * api_tstate — the opt-in table state delay (--table-delay; api_tstate.c).
 * Layer: api (private).
 *
 * Used by the dispatcher (init/fini), the table lookup (api_table.c), the TableDescription
 * writer (api_tdesc.c) and the table operations that create, delete or list tables
 * (op_table.c, op_backup.c's restores).
 */
#ifndef DDB_API_API_TSTATE_H
#define DDB_API_API_TSTATE_H

#include "api/api_int.h"

void api_tstate_init(api_t *api, int64_t delay_ms);
void api_tstate_fini(api_t *api);
/* The wall ms until which t is CREATING (made by CreateTable under --table-delay less than
 * the delay ago), or 0: ACTIVE (always 0 with the switch off). */
int64_t api_table_creating_until(const api_t *api, const store_table *t);
/* Remembers the table DeleteTable just dropped (its store name, its DELETING description,
 * copied) for the delay; nothing with the switch off.  0 or ERR_NOMEM. */
int api_gone_add(api_t *api, const char *store_name, const json_t *desc);
/* A new reference to the DELETING description of store_name while it is being deleted, else
 * NULL (also out of memory: then described as gone); api_gone_has: whether it is. */
json_t *api_gone_get(api_t *api, const char *store_name);
bool api_gone_has(api_t *api, const char *store_name);
/* Whether a new table may not take store name sn: a table has it (t, the caller's lookup of
 * sn, or NULL) or one is still DELETING under it (CreateTable, the restores; review19 R1). */
bool api_table_name_taken(api_t *api, const char *sn, const store_table *t);
/* Appends the store names of the tables being deleted to names/n (a new arena array; a name
 * that is in names already is not added again).  0 or ERR_NOMEM. */
int api_gone_names(api_t *api, arena_t *a, char ***names, size_t *n);

#endif
