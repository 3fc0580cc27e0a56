/*
 * api_bkdef — the table definition a backup record carries ("Def": the key and the indexes,
 * multi-attribute keys included): written from a store_table when a backup or a
 * point-in-time restore is made, read back into the target's key and indexes by a restore,
 * and an index override compared with it.  The record's format version is this part's: it
 * changed only with it (api_bkdef.h BK_RECORD_VERSION).  Layer: api (private).  op_backup.c's
 * (the record itself, its file and its other members, are op_backup.c's).
 * Tests: tests/unit/api/test_api_bkdef.c, tests/unit/api/test_op_backup.c
 * (test_multikey_gsi_backup), tests/e2e/test_backups.py, test_pitr.py.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableFromBackup.html
 */
#include "api/api_bkdef.h"

#include <stdio.h>
#include <string.h>

#include "api/api_int.h"

static const char *bk_type_name(av_type t)
{
    return t == AV_N ? "N" : t == AV_B ? "B" : "S";
}

static av_type bk_type_of(const char *s)
{
    return !s ? AV_NONE : !strcmp(s, "S") ? AV_S : !strcmp(s, "N") ? AV_N : !strcmp(s, "B") ? AV_B : AV_NONE;
}

/* A multi-attribute key's further partition or sort key attributes: [{"name","type"}, ...];
 * NULL out of memory. */
static json_t *bk_xattrs_json(char *const *names, const av_type *types, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_pack("{s:s,s:s}", "name", names[i], "type",
                                               bk_type_name(types[i])))) {
            json_decref(a);
            a = NULL;
        }
    return a;
}

/* A key definition as the backup keeps it: hash, hash_type, range, range_type, and for a
 * multi-attribute GSI key xhash / xrange (bk_xattrs_json; absent in backups made before).
 * NULL out of memory: never a definition with a member lost (a restore would make a table
 * without its sort key, test_restore_alloc). */
static json_t *bk_keydef_json(const store_keydef *k)
{
    json_t *o = json_pack("{s:s,s:s}", "hash", k->hash, "hash_type", bk_type_name(k->hash_type));
    if (o && ((k->range[0] && (json_object_set_new(o, "range", json_string(k->range)) ||
                               json_object_set_new(o, "range_type",
                                                   json_string(bk_type_name(k->range_type))))) ||
              (k->n_xhash &&
               json_object_set_new(o, "xhash",
                                   bk_xattrs_json(k->xhash, k->xhash_type, k->n_xhash))) ||
              (k->n_xrange &&
               json_object_set_new(o, "xrange",
                                   bk_xattrs_json(k->xrange, k->xrange_type, k->n_xrange))))) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

/* bk_xattrs_json's array (NULL: none) into names (arena copies) and types. */
static bool bk_xattrs_from(json_t *arr, arena_t *a, char **names, av_type *types, uint8_t *n)
{
    *n = 0;
    if (!arr)
        return true;
    if (!json_is_array(arr) || json_array_size(arr) > STORE_KEY_PARTS - 1)
        return false;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *x = json_array_get(arr, i);
        const char *nm = json_string_value(json_object_get(x, "name"));
        types[i] = bk_type_of(json_string_value(json_object_get(x, "type")));
        if (!nm || strlen(nm) >= STORE_NAME_MAX || types[i] == AV_NONE ||
            !(names[i] = arena_strdup(a, nm)))
            return false;
        (*n)++;
    }
    return true;
}

/* A key definition from bk_keydef_json's object; the names of further key attributes are
 * copied into arena a. */
bool api_bkdef_keydef_from(json_t *o, arena_t *a, store_keydef *k)
{
    memset(k, 0, sizeof *k);
    const char *h = json_string_value(json_object_get(o, "hash"));
    const char *r = json_string_value(json_object_get(o, "range"));
    k->hash_type = bk_type_of(json_string_value(json_object_get(o, "hash_type")));
    if (!h || strlen(h) >= STORE_NAME_MAX || k->hash_type == AV_NONE)
        return false;
    snprintf(k->hash, sizeof k->hash, "%s", h);
    k->range_type = AV_NONE;
    if (r) {
        k->range_type = bk_type_of(json_string_value(json_object_get(o, "range_type")));
        if (strlen(r) >= STORE_NAME_MAX || k->range_type == AV_NONE)
            return false;
        snprintf(k->range, sizeof k->range, "%s", r);
    }
    return bk_xattrs_from(json_object_get(o, "xhash"), a, k->xhash, k->xhash_type, &k->n_xhash) &&
           bk_xattrs_from(json_object_get(o, "xrange"), a, k->xrange, k->xrange_type,
                          &k->n_xrange) &&
           (k->n_xrange == 0 || r);
}

/* The version a record of table t needs (see BK_RECORD_VERSION). */
int api_bkdef_version(const store_table *t)
{
    if (t->key.n_xhash || t->key.n_xrange)
        return 2;
    for (size_t i = 0; i < t->n_idx; i++)
        if (t->idx[i].key.n_xhash || t->idx[i].key.n_xrange)
            return 2;
    return 1;
}

/* The store-level definition of t (what a restore needs besides the metadata); NULL out of
 * memory, never one with an index lost (a point-in-time restore made the table without its
 * LSI, test_restore_alloc). */
json_t *api_bkdef_json(const store_table *t)
{
    json_t *idx = json_array();
    for (size_t i = 0; idx && i < t->n_idx; i++) {
        const store_index *ix = &t->idx[i];
        /* "o" takes its value also when the pack fails; a NULL value fails the pack */
        json_t *x = json_pack("{s:s,s:b,s:o,s:o}", "name", ix->name, "global", ix->global, "key",
                              bk_keydef_json(&ix->key), "Projection",
                              api_projection_json(ix));
        if (json_array_append_new(idx, x)) {
            json_decref(idx);
            idx = NULL;
        }
    }
    return json_pack("{s:o,s:o}", "key", bk_keydef_json(&t->key), "idx", idx);
}

/* Finds index `name` of kind `global` in the backup's definition. */
json_t *api_bkdef_index(json_t *def, const char *name, bool global)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(def, "idx"), i, x) {
        const char *n = json_string_value(json_object_get(x, "name"));
        if (n && strcmp(n, name) == 0 && json_is_true(json_object_get(x, "global")) == global)
            return x;
    }
    return NULL;
}

/* An index of the backup's definition into ix. */
bool api_bkdef_index_from(json_t *x, arena_t *a, store_index *ix)
{
    memset(ix, 0, sizeof *ix);
    const char *n = json_string_value(json_object_get(x, "name"));
    if (!n || strlen(n) >= STORE_NAME_MAX ||
        !api_bkdef_keydef_from(json_object_get(x, "key"), a, &ix->key))
        return false;
    snprintf(ix->name, sizeof ix->name, "%s", n);
    ix->global = json_is_true(json_object_get(x, "global"));
    json_t *p = json_object_get(x, "Projection");
    const char *pt = json_string_value(json_object_get(p, "ProjectionType"));
    ix->proj = !pt || !strcmp(pt, "ALL") ? STORE_PROJ_ALL
               : !strcmp(pt, "KEYS_ONLY") ? STORE_PROJ_KEYS_ONLY
                                          : STORE_PROJ_INCLUDE;
    json_t *nk = json_object_get(p, "NonKeyAttributes");
    if (ix->proj == STORE_PROJ_INCLUDE && json_array_size(nk)) {
        ix->include = arena_zalloc(a, json_array_size(nk) * sizeof *ix->include);
        if (!ix->include)
            return false;
        for (size_t i = 0; i < json_array_size(nk); i++) {
            const char *s = json_string_value(json_array_get(nk, i));
            if (!s)
                return false;
            ix->include[ix->n_include++] = arena_strdup(a, s);
        }
    }
    return true;
}

/* An override entry equals the backup's index: same key schema and projection. */
bool api_bkdef_override_matches(json_t *o, json_t *x)
{
    json_t *ks = json_object_get(o, "KeySchema"), *key = json_object_get(x, "key");
    /* the backup's partition and sort key attributes, each in key-schema order */
    const char *bn[2][STORE_KEY_PARTS];
    size_t bc[2] = {0, 0}, oc[2] = {0, 0};
    for (int part = 0; part < 2; part++) {
        const char *first = json_string_value(json_object_get(key, part ? "range" : "hash"));
        if (!first)
            continue;
        bn[part][bc[part]++] = first;
        json_t *xs = json_object_get(key, part ? "xrange" : "xhash");
        for (size_t j = 0; j < json_array_size(xs) && bc[part] < STORE_KEY_PARTS; j++)
            bn[part][bc[part]++] = json_string_value(json_object_get(json_array_get(xs, j), "name"));
    }
    size_t i;
    json_t *k;
    json_array_foreach(ks, i, k) {
        const char *kt = json_string_value(json_object_get(k, "KeyType"));
        const char *an = json_string_value(json_object_get(k, "AttributeName"));
        int part = kt && !strcmp(kt, "HASH") ? 0 : kt && !strcmp(kt, "RANGE") ? 1 : -1;
        if (part < 0 || !an || oc[part] >= bc[part] || !bn[part][oc[part]] ||
            strcmp(an, bn[part][oc[part]]))
            return false;
        oc[part]++;
    }
    if (oc[0] != bc[0] || oc[0] == 0 || oc[1] != bc[1])
        return false;
    json_t *p = json_object_get(o, "Projection"), *bp = json_object_get(x, "Projection");
    if (!p)
        return true;
    const char *pt = json_string_value(json_object_get(p, "ProjectionType"));
    const char *bpt = json_string_value(json_object_get(bp, "ProjectionType"));
    if (pt && bpt && strcmp(pt, bpt))
        return false;
    json_t *nk = json_object_get(p, "NonKeyAttributes"), *bnk = json_object_get(bp, "NonKeyAttributes");
    if (json_array_size(nk) != json_array_size(bnk))
        return false;
    for (size_t a = 0; a < json_array_size(nk); a++) {
        bool found = false;
        for (size_t b = 0; b < json_array_size(bnk) && !found; b++)
            found = json_equal(json_array_get(nk, a), json_array_get(bnk, b));
        if (!found)
            return false;
    }
    return true;
}
