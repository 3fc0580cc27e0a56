/*
 * api_bkdef — the table definition a backup record carries, to JSON and back.  Layer: api
 * (private).  See api_bkdef.c.  Every json_t here is jansson's; a borrowed one is the caller's.
 */
#ifndef DDB_API_API_BKDEF_H
#define DDB_API_API_BKDEF_H

#include <jansson.h>
#include <stdbool.h>

#include "base/arena.h"
#include "store/store.h"

/* The backup record's format version (CONVENTIONS 8: a stored format carries one).
 *   1  the first format;
 *   2  an index key definition may carry "xhash" / "xrange", the further key attributes of a
 *      multi-attribute GSI (8bf4f36).  A build that reads only 1 ignores them and restores a
 *      different index (on the first HASH and RANGE attribute only).
 * A record is written with the lowest version that describes it (api_bkdef_version: 1 unless
 * some key has further attributes), so a build reading 1 still restores every other backup;
 * RestoreTableFromBackup refuses a record newer than BK_RECORD_VERSION in words
 * (op_backup.c TXT_BK_NEWER) instead of misreading it.  Builds before this check read every
 * record as 1: nothing can make them refuse (test_op_backup test_multikey_gsi_backup). */
#define BK_RECORD_VERSION 2

/* The version a record of table t needs (see BK_RECORD_VERSION): 1, or 2 when a key of t or
 * of one of its indexes has further attributes. */
int api_bkdef_version(const store_table *t);
/* The definition of t a restore needs besides the metadata: {"key": <key definition>, "idx":
 * [{"name", "global", "key", "Projection"}, ...]}, a new reference (NULL without memory). */
json_t *api_bkdef_json(const store_table *t);
/* A key definition from api_bkdef_json's "key" object o into k; the names of further key
 * attributes are copied into arena a.  False when o is not one (a damaged definition). */
bool api_bkdef_keydef_from(json_t *o, arena_t *a, store_keydef *k);
/* The entry of index `name` of kind `global` in definition def (borrowed from def), or NULL. */
json_t *api_bkdef_index(json_t *def, const char *name, bool global);
/* An index entry x of the definition into ix (names and the projection's attributes copied
 * into arena a).  False when x is damaged or a copy could not be had. */
bool api_bkdef_index_from(json_t *x, arena_t *a, store_index *ix);
/* Whether an index override o (a RestoreTableFromBackup Global/LocalSecondaryIndexOverride
 * entry) is the definition's index x: the same key schema, every attribute in order, and the
 * same projection when o names one. */
bool api_bkdef_override_matches(json_t *o, json_t *x);

#endif
