/*
 * api_vector — vector indexes: definitions, lifecycle, write rules, capacity.  Layer: api.
 * See api_vector.h.  Tests: tests/e2e/test_vector_search.py, tests/unit/api/test_vector.c.
 */
#include "api/api_vector.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_item.h"
#include "api/api_text.h"
#include "api/api_validate.h"

/* ---- reading the metadata ------------------------------------------------------------ */

/* Whether the text holds "Vec" in quotes: memchr for its rarest byte, 'V', then the rest
 * (glibc's memmem cost ~1 instruction a byte of the metadata, a few KB, on every write:
 * +9 % of BatchWrite25's instructions, BENCHMARKS.md "Session 10: writes"). */
static bool vix_named(const char *s, size_t n)
{
    const char *p = s + 1, *end = s + n;
    while (end - p >= 4 && (p = memchr(p, 'V', (size_t)(end - p - 3))) != NULL) {
        if (p[-1] == '"' && memcmp(p + 1, "ec\"", 3) == 0)
            return true;
        p++;
    }
    return false;
}

bool api_vix_maybe(const store_table *t)
{
    return t && t->meta && t->meta_len >= 5 && vix_named(t->meta, t->meta_len);
}

/* The value of the top-level member `key` of the metadata text (compact JSON, as meta_put
 * writes it: a key is the only string followed by ':'), parsed alone: a write reads the vector
 * indexes' definitions without parsing the table's tags, policies and index settings.  A new
 * reference; NULL when absent or out of memory (*oom says which). */
static json_t *meta_member(const char *s, size_t n, const char *key, bool *oom)
{
    size_t klen = strlen(key);
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"') {
            size_t start = ++i;
            while (i < n && s[i] != '"')
                i += s[i] == '\\' ? 2 : 1;
            if (depth == 1 && i + 1 < n && s[i + 1] == ':' && i - start == klen &&
                !memcmp(s + start, key, klen)) {
                json_error_t je;
                json_t *v = json_loadb(s + i + 2, n - (i + 2),
                                       JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &je);
                if (!v)
                    *oom = true; /* the text is ours and whole: only memory can fail it */
                return v;
            }
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return NULL;
}

/* t's vector indexes and attribute definitions as a metadata object holding only those two
 * members (a new reference; NULL out of memory). */
static json_t *meta_vix_part(const store_table *t)
{
    json_t *m = json_object();
    bool oom = !m;
    static const char *const keys[] = {"Vec", "AttributeDefinitions"};
    for (int k = 0; !oom && k < 2 && t->meta; k++) {
        json_t *v = meta_member(t->meta, t->meta_len, keys[k], &oom);
        if (v && json_object_set_new(m, keys[k], v))
            oom = true;
    }
    if (oom) {
        json_decref(m);
        return NULL;
    }
    return m;
}

/* An integer member; a real is truncated toward zero (AWS takes Dimensions 3.5 as 3, 2026-08-12
 * as Dynoxide records it), one beyond the range of long long clamped. */
static long long jint(json_t *o, const char *k)
{
    json_t *j = json_object_get(o, k);
    if (json_is_integer(j))
        return (long long)json_integer_value(j);
    if (!json_is_real(j))
        return 0;
    double d = json_real_value(j);
    return d >= 9.2e18 ? LLONG_MAX : d <= -9.2e18 ? LLONG_MIN : (long long)d;
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static api_vix_phase phase_at(const api_t *api, int64_t added, int64_t deleted, int64_t now)
{
    if (!api) /* writes: a deleted index is no longer replicated to, the others are */
        return deleted ? API_VIX_GONE : API_VIX_ACTIVE;
    if (deleted)
        return now < deleted + api->vix_drop_ms ? API_VIX_DELETING : API_VIX_GONE;
    if (!added)
        return API_VIX_ACTIVE;
    if (now < added + api->vix_alloc_ms)
        return API_VIX_ALLOCATING;
    if (now < added + api->vix_alloc_ms + api->vix_fill_ms)
        return API_VIX_BACKFILLING;
    return API_VIX_ACTIVE;
}

static api_vix_phase entry_phase(const api_t *api, json_t *x, int64_t now)
{
    return phase_at(api, jint(x, "AddedMs"), jint(x, "DeletedMs"), now);
}

static av_type def_type(json_t *defs, const char *name)
{
    size_t i;
    json_t *d;
    json_array_foreach(defs, i, d)
    {
        const char *n = jstr(d, "AttributeName"), *ty = jstr(d, "AttributeType");
        if (n && ty && strcmp(n, name) == 0)
            return av_type_from_name(ty, strlen(ty));
    }
    return AV_NONE;
}

/* api_vix_from_meta; `all` keeps the entries gone at `now` too (their phase API_VIX_GONE). */
static int vix_parse(api_t *api, arena_t *a, json_t *meta, int64_t now, bool all, api_vix **out,
                     size_t *out_n, err_t *e)
{
    json_t *list = json_object_get(meta, "Vec");
    json_t *defs = json_object_get(meta, "AttributeDefinitions");
    size_t n = json_array_size(list), k = 0;
    *out = NULL;
    *out_n = 0;
    if (!n)
        return 0;
    api_vix *vs = arena_zalloc(a, n * sizeof *vs);
    if (!vs)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(list, i);
        api_vix *v = &vs[k];
        v->phase = entry_phase(api, x, now);
        if (v->phase == API_VIX_GONE && !all)
            continue;
        v->name = jstr(x, "IndexName");
        v->attr = jstr(json_object_get(x, "VectorAttribute"), "AttributeName");
        v->dims = (size_t)jint(x, "Dimensions");
        const char *fn = jstr(x, "DistanceFunction");
        if (!v->name || !v->attr || !fn || !vec_fn_parse(fn, strlen(fn), &v->fn))
            continue; /* not ours: never written so */
        v->added_ms = jint(x, "AddedMs");
        v->deleted_ms = jint(x, "DeletedMs");
        json_t *p = json_object_get(x, "Projection");
        const char *pt = jstr(p, "ProjectionType");
        v->proj = pt && !strcmp(pt, "KEYS_ONLY") ? STORE_PROJ_KEYS_ONLY
                  : pt && !strcmp(pt, "INCLUDE") ? STORE_PROJ_INCLUDE
                                                 : STORE_PROJ_ALL;
        json_t *nka = json_object_get(p, "NonKeyAttributes");
        v->n_include = json_array_size(nka);
        if (v->n_include) {
            v->include = arena_zalloc(a, v->n_include * sizeof *v->include);
            if (!v->include)
                return err_set(e, ERR_NOMEM, "out of memory");
            for (size_t j = 0; j < v->n_include; j++) {
                const char *s = json_string_value(json_array_get(nka, j));
                v->include[j] = s ? s : "";
            }
        }
        json_t *ss = json_object_get(x, "SearchSchema");
        v->n_schema = json_array_size(ss);
        if (v->n_schema) {
            v->schema = arena_zalloc(a, v->n_schema * sizeof *v->schema);
            if (!v->schema)
                return err_set(e, ERR_NOMEM, "out of memory");
            for (size_t j = 0; j < v->n_schema; j++) {
                json_t *el = json_array_get(ss, j);
                const char *nm = jstr(el, "AttributeName"),
                           *ty = jstr(el, "SearchSchemaElementType");
                v->schema[j].name = nm ? nm : "";
                v->schema[j].hash = ty && !strcmp(ty, "HASH");
                v->schema[j].type = def_type(defs, v->schema[j].name);
            }
        }
        k++;
    }
    *out = vs;
    *out_n = k;
    return 0;
}

int api_vix_from_meta(api_t *api, arena_t *a, json_t *meta, int64_t now, api_vix **out,
                      size_t *out_n, err_t *e)
{
    return vix_parse(api, a, meta, now, false, out, out_n, e);
}

/* ---- a descriptor's definitions, parsed once ------------------------------------------- */

/* Every vector index definition of one descriptor's metadata (deleted ones too, with their
 * DeletedMs), with its strings, in the arena `a`; `live` lists those a write maintains (not
 * deleted).  Kept as the descriptor's memo (store_table_memo), so a write parses nothing: a
 * descriptor never changes, and UpdateTable's change is a new descriptor with a new memo. */
typedef struct vix_defs {
    store_memo m; /* first: the store frees it with the descriptor (defs_free) */
    arena_t a;
    api_vix *all, *live;
    size_t n_all, n_live;
} vix_defs;

static void defs_free(store_memo *m)
{
    vix_defs *d = (vix_defs *)m;
    if (d) {
        arena_fini(&d->a);
        free(d);
    }
}

/* Parses t's definitions into a new vix_defs (NULL out of memory). */
static vix_defs *defs_load(const store_table *t)
{
    vix_defs *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->m.free = defs_free;
    arena_init(&d->a);
    if (!api_vix_maybe(t))
        return d; /* no vector index: nothing to parse, ever */
    json_t *meta = meta_vix_part(t);
    err_t e;
    err_clear(&e);
    int rc = !meta ? ERR_NOMEM : vix_parse(NULL, &d->a, meta, 0, true, &d->all, &d->n_all, &e);
    /* the strings must outlive meta: copied into the arena */
    for (size_t i = 0; rc == 0 && i < d->n_all; i++) {
        api_vix *v = &d->all[i];
        rc = !(v->name = arena_strdup(&d->a, v->name)) ||
             !(v->attr = arena_strdup(&d->a, v->attr));
        for (size_t j = 0; rc == 0 && j < v->n_include; j++)
            rc = !(v->include[j] = arena_strdup(&d->a, v->include[j]));
        for (size_t j = 0; rc == 0 && j < v->n_schema; j++)
            rc = !(v->schema[j].name = arena_strdup(&d->a, v->schema[j].name));
    }
    json_decref(meta);
    if (rc == 0 && d->n_all && !(d->live = arena_alloc(&d->a, d->n_all * sizeof *d->live)))
        rc = ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i < d->n_all; i++)
        if (!d->all[i].deleted_ms)
            d->live[d->n_live++] = d->all[i];
    if (rc) {
        defs_free(&d->m);
        return NULL;
    }
    return d;
}

/* t's definitions: its memo, loaded and kept on first use; *owned (then the caller frees it
 * with defs_free) when t is not one of the store's descriptors.  NULL out of memory. */
static const vix_defs *defs_of(const store_table *t, vix_defs **owned)
{
    *owned = NULL;
    vix_defs *d = (vix_defs *)store_table_memo(t);
    if (d)
        return d;
    if (!(d = defs_load(t)))
        return NULL;
    vix_defs *kept = (vix_defs *)store_table_memo_set(t, &d->m);
    if (!kept)
        *owned = d; /* not the store's descriptor: the caller's to free */
    else if (kept != d)
        defs_free(&d->m); /* another thread's came first */
    return kept ? kept : d;
}

int api_vix_of_table(api_t *api, arena_t *a, const store_table *t, api_vix **out, size_t *out_n,
                     err_t *e)
{
    *out = NULL;
    *out_n = 0;
    if (!api_vix_maybe(t))
        return 0;
    vix_defs *owned;
    const vix_defs *d = defs_of(t, &owned);
    if (!d)
        return err_set(e, ERR_NOMEM, "out of memory");
    int64_t now = base_wall_ms();
    api_vix *vs = d->n_all ? arena_alloc(a, d->n_all * sizeof *vs) : NULL;
    int rc = d->n_all && !vs ? err_set(e, ERR_NOMEM, "out of memory") : 0;
    size_t k = 0;
    /* copied into the arena: the caller's copy depends neither on the memo nor on `owned`,
     * freed here */
    for (size_t i = 0; rc == 0 && i < d->n_all; i++) {
        api_vix *v = &vs[k];
        *v = d->all[i];
        v->phase = phase_at(api, v->added_ms, v->deleted_ms, now);
        if (v->phase == API_VIX_GONE)
            continue;
        k++;
        if (!(v->name = arena_strdup(a, v->name)) || !(v->attr = arena_strdup(a, v->attr)) ||
            (v->n_include &&
             !(v->include = arena_memdup(a, v->include, v->n_include * sizeof *v->include))) ||
            (v->n_schema &&
             !(v->schema = arena_memdup(a, v->schema, v->n_schema * sizeof *v->schema))))
            rc = err_set(e, ERR_NOMEM, "out of memory");
        for (size_t j = 0; rc == 0 && j < v->n_include; j++)
            if (!(v->include[j] = arena_strdup(a, v->include[j])))
                rc = err_set(e, ERR_NOMEM, "out of memory");
        for (size_t j = 0; rc == 0 && j < v->n_schema; j++)
            if (!(v->schema[j].name = arena_strdup(a, v->schema[j].name)))
                rc = err_set(e, ERR_NOMEM, "out of memory");
    }
    defs_free(owned ? &owned->m : NULL);
    if (rc == 0) {
        *out = vs;
        *out_n = k;
    }
    return rc;
}

bool api_vix_named(api_req *r, const store_table *t, const char *name)
{
    api_vix *v;
    size_t n;
    err_t e;
    err_clear(&e);
    if (!name || api_vix_of_table(r->api, r->arena, t, &v, &n, &e))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].name, name))
            return true;
    return false;
}

static json_t *meta_entry(json_t *x, int64_t added_ms);

json_t *api_vix_info(api_t *api, json_t *meta, int64_t now)
{
    json_t *a = NULL;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(meta, "Vec"), i, x)
    {
        api_vix_phase p = entry_phase(api, x, now);
        if (p == API_VIX_GONE || p == API_VIX_DELETING)
            continue;
        json_t *e = meta_entry(x, 0); /* the definition: no AddedMs */
        if (!a)
            a = json_array();
        if (!a || !e || json_array_append_new(a, e)) { /* (append_new takes e) */
            if (!a)
                json_decref(e);
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* How many of the metadata's vector indexes are in one of the phases of `mask`
 * (bit 1 << phase). */
static size_t count_in(api_t *api, json_t *meta, int64_t now, unsigned mask)
{
    size_t i, n = 0;
    json_t *x;
    json_array_foreach(json_object_get(meta, "Vec"), i, x)
    {
        n += (mask >> entry_phase(api, x, now)) & 1u;
    }
    return n;
}

#define PH(p) (1u << (p))

size_t api_vix_count(api_t *api, json_t *meta, int64_t now)
{
    return count_in(api, meta, now, ~PH(API_VIX_GONE));
}

bool api_vix_updating(api_t *api, json_t *meta, int64_t now)
{
    return count_in(api, meta, now, PH(API_VIX_ALLOCATING) | PH(API_VIX_DELETING)) > 0;
}

bool api_vix_busy(api_t *api, json_t *meta, int64_t now)
{
    return count_in(api, meta, now, ~(PH(API_VIX_ACTIVE) | PH(API_VIX_GONE))) > 0;
}

/* ---- CreateTable ----------------------------------------------------------------------- */

static bool defined(json_t *defs, const char *name)
{
    return name && def_type(defs, name) != AV_NONE;
}

/* One index definition's own rules (CreateTable's VectorIndexes entry, UpdateTable's
 * Create): dimensions in range, the SearchSchema defined by defs (UpdateTable: the request's
 * own, even for an attribute the table defines, as for a GSI's keys: AWS 2026-08-13 as an
 * AWS-checked emulator measured it), one HASH element at most, 18 INLINE_FILTER elements at
 * most, no attribute twice. */
/* AttributeDefinitions sorted by name, then position: defined() by bisection. */
typedef struct def_ent {
    const char *name, *type;
    size_t pos;
} def_ent;

static int cmp_def_ent(const void *pa, const void *pb)
{
    const def_ent *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/* As defined(defs, name): the first definition of name has a type. */
static bool defined_sorted(const def_ent *d, size_t nd, const char *name)
{
    size_t lo = 0, hi = nd;
    while (lo < hi) { /* the first entry not below name */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(d[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < nd && strcmp(d[lo].name, name) == 0 &&
           av_type_from_name(d[lo].type, strlen(d[lo].type)) != AV_NONE;
}

static int vix_def_check(api_req *r, json_t *x, json_t *defs)
{
    long long dims = jint(x, "Dimensions");
    if (dims < 1 || dims > VEC_MAX_DIMS)
        return api_verr(r, TXT_VIX_DIMS);
    json_t *ss = json_object_get(x, "SearchSchema");
    size_t i, hashes = 0, filters = 0;
    json_t *el;
    /* the definitions sorted once, each element found by bisection: 20,000 elements and
     * definitions cost n log n, not n^2 string compares (review11 F9: 11 s a request) */
    size_t nd = 0, cap = json_array_size(defs);
    def_ent *d = arena_alloc(r->arena, (cap ? cap : 1) * sizeof *d);
    if (!d)
        return api_nomem(r);
    json_array_foreach(defs, i, el)
    {
        const char *n = jstr(el, "AttributeName"), *t = jstr(el, "AttributeType");
        if (n && t)
            d[nd++] = (def_ent){n, t, i};
    }
    qsort(d, nd, sizeof *d, cmp_def_ent);
    json_array_foreach(ss, i, el)
    {
        const char *n = jstr(el, "AttributeName"), *ty = jstr(el, "SearchSchemaElementType");
        if (!n || !defined_sorted(d, nd, n))
            return api_verr(r, TXT_VIX_SCHEMA_UNDEFINED);
        bool hash = ty && !strcmp(ty, "HASH");
        hashes += hash;
        filters += !hash;
    }
    if (hashes > 1)
        return err_set(r->err, ERR_VALIDATION, TXT_VIX_SCHEMA_HASHES, hashes);
    if (filters > API_VIX_MAX_FILTERS)
        return err_set(r->err, ERR_VALIDATION, TXT_VIX_SCHEMA_FILTERS, filters);
    for (i = 0; i < json_array_size(ss); i++)
        for (size_t j = 0; j < i; j++) {
            const char *a = jstr(json_array_get(ss, i), "AttributeName");
            const char *b = jstr(json_array_get(ss, j), "AttributeName");
            if (a && b && !strcmp(a, b))
                return api_verr(r, TXT_VIX_SCHEMA_DUP);
        }
    return 0;
}

/* Two definitions on one vector attribute with different dimensions. */
static bool dims_conflict(json_t *a, json_t *b)
{
    const char *x = jstr(json_object_get(a, "VectorAttribute"), "AttributeName");
    const char *y = jstr(json_object_get(b, "VectorAttribute"), "AttributeName");
    return x && y && !strcmp(x, y) && jint(a, "Dimensions") != jint(b, "Dimensions");
}

static bool name_in(json_t *list, const char *name)
{
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x)
    {
        const char *n = jstr(x, "IndexName");
        if (n && name && !strcmp(n, name))
            return true;
    }
    return false;
}

int api_vix_create_check(api_req *r, json_t *body, bool ppr)
{
    json_t *list = json_object_get(body, "VectorIndexes");
    if (!json_is_array(list))
        return 0;
    json_t *defs = json_object_get(body, "AttributeDefinitions");
    size_t n = json_array_size(list);
    if (n == 0) /* an empty list is refused, not taken for none (as GSIs' and LSIs') */
        return api_verr(r, TXT_VIX_EMPTY);
    if (!ppr)
        return api_verr(r, TXT_VIX_PROVISIONED);
    if (n > API_VIX_MAX)
        return api_verr(r, TXT_VIX_COUNT);
    int rc;
    for (size_t i = 0; i < n; i++)
        if ((rc = vix_def_check(r, json_array_get(list, i), defs)))
            return rc;
    /* a vector is no scalar AttributeDefinitions can type: its attribute must not be defined,
     * so it can be no key attribute (table, LSI, GSI) and no SearchSchema attribute either */
    for (size_t i = 0; i < n; i++) {
        const char *va = jstr(json_object_get(json_array_get(list, i), "VectorAttribute"),
                              "AttributeName");
        if (defined(defs, va))
            return err_set(r->err, ERR_VALIDATION, TXT_VIX_ATTR_DEFINED, va);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (dims_conflict(json_array_get(list, j), json_array_get(list, i)))
                return err_set(r->err, ERR_VALIDATION, TXT_VIX_DIMS_CONFLICT,
                               jstr(json_object_get(json_array_get(list, i), "VectorAttribute"),
                                    "AttributeName"));
    for (size_t i = 0; i < n; i++) {
        const char *name = jstr(json_array_get(list, i), "IndexName");
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++) {
            const char *o = jstr(json_array_get(list, j), "IndexName");
            dup = o && name && !strcmp(o, name);
        }
        if (dup || name_in(json_object_get(body, "GlobalSecondaryIndexes"), name) ||
            name_in(json_object_get(body, "LocalSecondaryIndexes"), name))
            return err_set(r->err, ERR_VALIDATION, TXT_CT_DUP_INDEX, name ? name : "");
    }
    return 0;
}

bool api_vix_uses_def(json_t *list, json_t *def)
{
    const char *dn = jstr(def, "AttributeName");
    size_t i, j;
    json_t *x, *el;
    json_array_foreach(list, i, x)
    {
        json_array_foreach(json_object_get(x, "SearchSchema"), j, el)
        {
            const char *n = jstr(el, "AttributeName");
            if (n && dn && !strcmp(n, dn))
                return true;
        }
    }
    return false;
}

/* The metadata entry of a definition x (its known members), stamped with added_ms. */
static json_t *meta_entry(json_t *x, int64_t added_ms)
{
    json_t *m = json_object();
    static const char *const keep[] = {"IndexName",        "VectorAttribute", "Dimensions",
                                       "DistanceFunction", "Projection",      "SearchSchema"};
    for (size_t k = 0; m && k < sizeof keep / sizeof keep[0]; k++) {
        json_t *v = json_object_get(x, keep[k]);
        json_t *copy = !v || json_is_null(v) ? NULL
                       : k == 2              ? json_integer(jint(x, "Dimensions")) /* 3.5: 3 */
                                             : json_deep_copy(v);
        if (v && !json_is_null(v) && json_object_set_new(m, keep[k], copy)) {
            json_decref(m);
            return NULL;
        }
    }
    if (m && added_ms && json_object_set_new(m, "AddedMs", json_integer(added_ms))) {
        json_decref(m);
        return NULL;
    }
    return m;
}

json_t *api_vix_meta_entries(json_t *list, int64_t added_ms)
{
    json_t *a = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x)
    {
        json_t *m = meta_entry(x, added_ms);
        if (!a || !m || json_array_append_new(a, m)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* A key attribute's type letter and key type in t's key schemas (the table's, then each
 * index's, partition attributes before sort attributes): false when name is no key attribute */
static bool key_attr_of(const store_table *t, const char *name, const char **type,
                        const char **ktype)
{
    const store_keydef *kd[1 + STORE_MAX_INDEXES];
    size_t n = 0;
    kd[n++] = &t->key;
    for (size_t i = 0; i < t->n_idx; i++)
        kd[n++] = &t->idx[i].key;
    for (size_t i = 0; i < n; i++) {
        const char *names[STORE_KEY_ATTRS];
        av_type types[STORE_KEY_ATTRS];
        size_t nh, na = store_key_attrs(kd[i], names, types, &nh);
        for (size_t j = 0; j < na; j++)
            if (!strcmp(names[j], name)) {
                *type = av_type_name(types[j]);
                *ktype = j < nh ? "HASH" : "RANGE";
                return true;
            }
    }
    return false;
}

int api_vix_gsi_key_check(api_req *r, const store_table *t, json_t *ks, json_t *defs)
{
    vix_defs *owned;
    const vix_defs *d = defs_of(t, &owned);
    if (!d)
        return api_nomem(r);
    int rc = 0;
    size_t i;
    json_t *el;
    json_array_foreach(ks, i, el)
    {
        const char *n = jstr(el, "AttributeName"), *kt = jstr(el, "KeyType");
        for (size_t k = 0; n && !rc && k < d->n_live; k++) {
            if (strcmp(d->live[k].attr, n) != 0)
                continue;
            av_type ty = def_type(defs, n);
            rc = err_set(r->err, ERR_VALIDATION, TXT_VIX_KEY_ON_VECTOR, n, d->live[k].dims, n,
                         ty == AV_NONE ? "" : av_type_name(ty), kt ? kt : "");
        }
        if (rc)
            break;
    }
    defs_free(owned ? &owned->m : NULL);
    return rc;
}

/* ---- items ----------------------------------------------------------------------------- */

/* The vector of attribute v on an item: 0 when valid (out filled, may be NULL), else which
 * rule it breaks: 1 not a list, 2 wrong length, 3 element *bad not a number (its type in
 * *bad_type), 4 element *bad a number beyond the floats. */
static int vector_of(const av_t *v, size_t dims, float *out, size_t *bad, av_type *bad_type)
{
    if (v->type != AV_L)
        return 1;
    if (v->u.list.n != dims)
        return 2;
    for (size_t i = 0; i < dims; i++) {
        const av_t *x = &v->u.list.items[i];
        float f;
        /* a check alone (out NULL) converts only a number it cannot tell by its digits */
        if (x->type != AV_N || !(out ? vec_f32_from_text(x->u.str.ptr, x->u.str.len, &f)
                                     : vec_f32_fits(x->u.str.ptr, x->u.str.len))) {
            *bad = i;
            *bad_type = x->type;
            return x->type == AV_N ? 4 : 3;
        }
        if (out)
            out[i] = f;
    }
    return 0;
}

static bool hash_ok(const api_vix_elem *el, const av_t *item)
{
    const av_t *h = av_map_gets(item, el->name);
    if (!h || (el->type != AV_NONE && h->type != el->type))
        return false;
    return !((h->type == AV_S || h->type == AV_B) && h->u.str.len == 0);
}

/* A canonical number beyond the floats (an integer, "1000...0") as the service prints it,
 * Java's BigDecimal text of the value without its trailing zeros: "1E+39", "-3.5E+38"; with
 * no trailing zero, the digits as they are.  (AWS echoes the number's BigDecimal, which keeps
 * the sender's scale: "1E+39" sent prints so; a plain 40-digit text sent would print plain.
 * ddbchat keeps only the canonical value, so it prints what a client formatting a float
 * sends.)  out: 64 bytes; returns the length. */
static size_t java_text(const char *p, size_t n, char out[64])
{
    size_t sign = n && p[0] == '-', digits = n - sign, sig = digits;
    while (sig > 1 && p[sign + sig - 1] == '0')
        sig--;
    int w;
    if (sig == digits || memchr(p, '.', n) || sig > 40)
        w = snprintf(out, 64, "%.*s", (int)(n < 63 ? n : 63), p);
    else if (sig == 1)
        w = snprintf(out, 64, "%s%cE+%zu", sign ? "-" : "", p[sign], digits - 1);
    else
        w = snprintf(out, 64, "%s%c.%.*sE+%zu", sign ? "-" : "", p[sign], (int)(sig - 1),
                     p + sign + 1, digits - 1);
    return w < 0 ? 0 : (size_t)w < 64 ? (size_t)w : 63;
}

bool api_vix_vector(const api_vix *v, const av_t *item, float *out)
{
    const av_t *x = item && item->type == AV_M ? av_map_gets(item, v->attr) : NULL;
    size_t bad;
    av_type bt;
    if (!x || vector_of(x, v->dims, out, &bad, &bt))
        return false;
    for (size_t j = 0; j < v->n_schema; j++) {
        const api_vix_elem *el = &v->schema[j];
        if (el->hash && !hash_ok(el, item))
            return false;
        /* an INLINE_FILTER value of another type than its definition (written before the
         * index existed): left out, as a backfill leaves it (AWS 2026-08-13, Dynoxide) */
        const av_t *f = el->hash || el->type == AV_NONE ? NULL : av_map_gets(item, el->name);
        if (f && f->type != el->type)
            return false;
    }
    return true;
}

int api_vix_item_check(const store_table *t, const av_t *item, const av_t *before, err_t *e)
{
    if (!item || item->type != AV_M)
        return 0;
    vix_defs *owned;
    const vix_defs *d = defs_of(t, &owned);
    if (!d)
        return api_vix_maybe(t) ? err_set(e, ERR_NOMEM, "out of memory") : 0;
    /* the offending index that comes first by name is the one named (as for GSIs) */
    const char *bad_ix = NULL;
    char msg[1024];
    for (size_t i = 0; i < d->n_live; i++) {
        const api_vix *x = &d->live[i];
        const char *name = x->name, *attr = x->attr;
        if (bad_ix && strcmp(name, bad_ix) >= 0)
            continue;
        char m[1024] = "";
        const av_t *v = av_map_gets(item, attr);
        const av_t *o = before ? av_map_gets(before, attr) : NULL;
        if (v && !(o && av_equal(o, v))) {
            size_t bad = 0;
            av_type bt = AV_NONE;
            switch (vector_of(v, x->dims, NULL, &bad, &bt)) {
            case 1:
                snprintf(m, sizeof m, TXT_VIX_W_LIST, attr, name);
                break;
            case 2:
                snprintf(m, sizeof m, TXT_VIX_W_SIZE, attr, x->dims, v->u.list.n, name);
                break;
            case 3:
                snprintf(m, sizeof m, TXT_VIX_W_ELEM, attr, bad, av_type_name(bt), name);
                break;
            case 4: {
                char shown[64];
                const av_t *n = &v->u.list.items[bad];
                size_t len = java_text(n->u.str.ptr, n->u.str.len, shown);
                snprintf(m, sizeof m, TXT_VIX_W_RANGE, attr, bad, (int)len, shown, name);
                break;
            }
            }
        }
        /* the SearchSchema's attributes this write sets: of their definitions' type (HASH and
         * INLINE_FILTER alike), a HASH value not empty (an update's text without the names,
         * as for a GSI key) (AWS 2026-08-13, as Dynoxide records it) */
        for (size_t j = 0; !m[0] && j < x->n_schema; j++) {
            const api_vix_elem *el = &x->schema[j];
            const av_t *h = av_map_gets(item, el->name);
            const av_t *ho = before ? av_map_gets(before, el->name) : NULL;
            if (!h || (ho && av_equal(ho, h)))
                continue;
            if (el->type != AV_NONE && h->type != el->type)
                snprintf(m, sizeof m, TXT_VIX_W_HASH_TYPE, el->name, av_type_name(el->type),
                         av_type_name(h->type), name);
            else if (el->hash && (h->type == AV_S || h->type == AV_B) && h->u.str.len == 0 &&
                     before)
                snprintf(m, sizeof m, "%s",
                         h->type == AV_B ? TXT_IDX_EMPTY_B_UPDATE : TXT_IDX_EMPTY_S_UPDATE);
            else if (el->hash && (h->type == AV_S || h->type == AV_B) && h->u.str.len == 0)
                snprintf(m, sizeof m, h->type == AV_B ? TXT_IDX_EMPTY_B : TXT_IDX_EMPTY_S, name,
                         el->name);
        }
        if (m[0]) {
            memcpy(msg, m, sizeof msg);
            bad_ix = name;
        }
    }
    int rc = bad_ix ? err_set(e, ERR_VALIDATION, "%s", msg) : 0;
    defs_free(owned ? &owned->m : NULL);
    return rc;
}

/* Whether attribute (name, len) is kept by v's projection (besides the vector). */
static bool vix_keeps(const store_table *t, const api_vix *v, const char *name, size_t len)
{
    if (v->proj == STORE_PROJ_ALL)
        return true;
    const char *keys[2] = {t->key.hash, t->key.range};
    for (int k = 0; k < 2; k++)
        if (keys[k][0] && strlen(keys[k]) == len && !memcmp(keys[k], name, len))
            return true;
    for (size_t j = 0; j < v->n_schema; j++)
        if (strlen(v->schema[j].name) == len && !memcmp(v->schema[j].name, name, len))
            return true;
    for (size_t j = 0; v->proj == STORE_PROJ_INCLUDE && j < v->n_include; j++)
        if (strlen(v->include[j]) == len && !memcmp(v->include[j], name, len))
            return true;
    return false;
}

int api_vix_project(arena_t *a, const store_table *t, const api_vix *v, const av_t *item, av_t *out)
{
    size_t n = item->u.map.n, k = 0;
    av_kv *kv = arena_alloc(a, (n ? n : 1) * sizeof *kv);
    if (!kv)
        return ERR_NOMEM;
    size_t al = strlen(v->attr);
    for (size_t i = 0; i < n; i++) {
        const av_kv *m = &item->u.map.kv[i];
        if (m->name_len == al && !memcmp(m->name, v->attr, al))
            continue;
        if (vix_keeps(t, v, m->name, m->name_len))
            kv[k++] = *m;
    }
    *out = av_make_m(kv, k);
    return 0;
}

/* The bytes an index entry of item holds: the item size of its projection with the vector
 * attribute counted as its name plus 4 bytes a dimension (conformance tier2
 * vectorSearch/consumedCapacity, AWS 2026-08-18: each term moved alone). */
static double entry_bytes(arena_t *a, const store_table *t, const api_vix *v, const av_t *item)
{
    av_t p;
    if (api_vix_project(a, t, v, item, &p))
        return 0;
    return (double)(av_item_size(&p) + strlen(v->attr) + 4 * (size_t)v->dims);
}

double api_vix_write_bytes(arena_t *a, const store_table *t, const api_vix *v, const av_t *old,
                           const av_t *neu)
{
    /* an overwrite compares the two vectors as floats; a single item only needs to be in
     * (no conversion of numbers its digits tell) */
    bool oin, nin;
    if (old && neu) {
        float *fo = arena_alloc(a, (v->dims ? v->dims : 1) * sizeof *fo);
        float *fn = arena_alloc(a, (v->dims ? v->dims : 1) * sizeof *fn);
        if (!fo || !fn)
            return 0;
        oin = api_vix_vector(v, old, fo);
        nin = api_vix_vector(v, neu, fn);
        av_t po, pn;
        if (oin && nin && !memcmp(fo, fn, v->dims * sizeof *fo) &&
            (api_vix_project(a, t, v, old, &po) || api_vix_project(a, t, v, neu, &pn) ||
             av_equal(&po, &pn)))
            return 0; /* the index stores the same entry: nothing replicated */
    } else {
        oin = old && api_vix_vector(v, old, NULL);
        nin = neu && api_vix_vector(v, neu, NULL);
    }
    if (!oin && !nin)
        return 0;
    /* the entry replicated, exactly, held to a floor of 1024 per index (the same capture:
     * a small entry reports 1024, one with a 1,500-byte string its size) */
    double nb = nin ? entry_bytes(a, t, v, neu) : 0, ob = oin ? entry_bytes(a, t, v, old) : 0;
    nb = nin && nb < 1024 ? 1024.0 : nb;
    ob = oin && ob < 1024 ? 1024.0 : ob;
    /* a new SearchSchema HASH value moves the entry to another partition: a delete and an
     * insert, each billed (AWS, us-east-1 2026-08-13, review10 notes F3 corroboration) */
    for (size_t j = 0; oin && nin && j < v->n_schema; j++) {
        if (!v->schema[j].hash)
            continue;
        const av_t *ho = av_map_gets(old, v->schema[j].name);
        const av_t *hn = av_map_gets(neu, v->schema[j].name);
        if (ho && hn && !av_equal(ho, hn))
            return nb + ob;
    }
    /* otherwise the larger of the two entries: an overwrite that shrinks the entry is charged
     * on the old one (3,028 bytes replaced by 1,528 costs 3,028: AWS eu-west-2 2026-08-18, as
     * Dynoxide records it) */
    double b = nb > ob ? nb : ob;
    return b;
}

/* How many bytes more item's vectors weigh as stored (av_value_size of their numbers) than as
 * AWS bills them (4 bytes a dimension; the names count alike): each of the n indexes' vector
 * attributes holding a valid vector, once.  Negative when the stored numbers are shorter. */
static int64_t vec_excess(const api_vix *v, size_t n, const av_t *item)
{
    int64_t d = 0;
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = !strcmp(v[j].attr, v[i].attr);
        const av_t *x = seen ? NULL : av_map_gets(item, v[i].attr);
        size_t bad;
        av_type bt;
        if (!x || vector_of(x, v[i].dims, NULL, &bad, &bt))
            continue;
        d += (int64_t)av_value_size(x) - 4 * (int64_t)v[i].dims;
    }
    return d;
}

/* item's size (`size`, av_item_size's) with each of the n indexes' vector attributes (a valid
 * vector) counted as its name plus 4 bytes a dimension */
static uint64_t billed_size(const api_vix *v, size_t n, const av_t *item, uint64_t size)
{
    int64_t b = (int64_t)size - vec_excess(v, n, item);
    return b < 0 ? 0 : (uint64_t)b;
}

uint64_t api_vix_billed(const store_table *t, const av_t *item)
{
    uint64_t size = 0;
    vix_defs *owned = NULL;
    const vix_defs *d = defs_of(t, &owned);
    if (d && d->n_live && item->type == AV_M)
        size = billed_size(d->live, d->n_live, item, av_item_size(item));
    defs_free(owned ? &owned->m : NULL);
    return size;
}

void api_vix_bill(const store_table *t, store_write *w)
{
    if (w->rc)
        return;
    vix_defs *owned = NULL;
    const vix_defs *d = defs_of(t, &owned);
    if (d && d->n_live) {
        if (w->new_item && w->new_item != STORE_KEEP && w->new_item->type == AV_M)
            w->new_size = billed_size(d->live, d->n_live, w->new_item, w->new_size);
        if (w->old.type == AV_M)
            w->old_size = billed_size(d->live, d->n_live, &w->old, w->old_size);
    }
    defs_free(owned ? &owned->m : NULL);
}

void api_vix_cap_writes(api_cap *cap, const store_table *t, const av_t *old, const av_t *neu)
{
    vix_defs *owned = NULL;
    const vix_defs *d = defs_of(t, &owned);
    if (!d || !d->n_live) {
        defs_free(owned ? &owned->m : NULL);
        return;
    }
    arena_t a;
    arena_init(&a);
    for (size_t i = 0; i < d->n_live; i++) {
        const api_vix *v = &d->live[i];
        double b = api_vix_write_bytes(&a, t, v, old, neu);
        if (b <= 0)
            continue;
        size_t k;
        for (k = 0; k < cap->n_vix && strcmp(cap->vix[k].name, v->name); k++)
            ;
        if (k == cap->n_vix) {
            if (k == sizeof cap->vix / sizeof cap->vix[0])
                continue;
            snprintf(cap->vix[k].name, sizeof cap->vix[k].name, "%s", v->name);
            cap->vix[k].bytes = 0;
            cap->n_vix++;
        }
        cap->vix[k].bytes += b;
    }
    arena_fini(&a);
    defs_free(owned ? &owned->m : NULL);
}

/* ---- scanning the table ---------------------------------------------------------------- */

int api_vix_scan(api_req *r, const store_table *t, api_vix_item_fn fn, void *ctx)
{
    arena_t page, keep;
    arena_init(&page);
    arena_init(&keep);
    av_t start = {.type = AV_NONE};
    int rc = 0;
    for (;;) {
        store_query sq;
        memset(&sq, 0, sizeof sq);
        sq.table = t;
        sq.start_key = start.type == AV_M ? &start : NULL;
        store_result res;
        memset(&res, 0, sizeof res);
        if ((rc = store_query_run(r->api->store, &sq, &page, &res, r->err)))
            break;
        for (size_t i = 0; i < res.n && rc == 0; i++)
            rc = fn(ctx, &res.items[i]);
        if (rc || res.last_key.type != AV_M)
            break;
        arena_reset(&keep);
        if (av_copy(&keep, &res.last_key, &start)) {
            rc = api_nomem(r);
            break;
        }
        arena_reset(&page);
    }
    arena_fini(&page);
    arena_fini(&keep);
    return rc;
}

/* ---- the counts cache ------------------------------------------------------------------ */

struct api_vix_stat {
    uint32_t table_id; /* 0: free */
    int64_t created_ms, added_ms, at_ms;
    char name[STORE_NAME_MAX];
    uint64_t count;
    double bytes;
    int64_t tsb;    /* the table's TableSizeBytes, vectors as billed (api_vix_describe) */
    bool counting;  /* a describe is recounting it: the others answer these figures */
};

void api_vix_init(api_t *api)
{
    const char *x = getenv("DDBCHAT_VECTOR_EXACT_ITEMS"), *ms = getenv("DDBCHAT_VECTOR_STATS_MS");
    api->vix_exact_items = x ? strtoull(x, NULL, 10) : API_VIX_EXACT_ITEMS;
    api->vix_stats_ms = ms ? strtol(ms, NULL, 10) : API_VIX_STATS_MS;
    pthread_mutex_init(&api->vix_mu, NULL);
    api->vix_stats = NULL; /* the first big table's describe allocates it (stats_ready) */
}

void api_vix_fini(api_t *api)
{
    free(api->vix_stats);
    api->vix_stats = NULL;
    pthread_mutex_destroy(&api->vix_mu);
}

static struct api_vix_stat *stat_find(api_t *api, const store_table *t, const api_vix *v)
{
    for (size_t i = 0; i < API_VIX_STATS; i++) {
        struct api_vix_stat *s = &api->vix_stats[i];
        if (s->table_id == t->id && s->created_ms == t->created_ms && s->added_ms == v->added_ms &&
            !strcmp(s->name, v->name))
            return s;
    }
    return NULL;
}

/* The counts cache, allocated by the first describe that uses it: its 20 KB stayed in the idle
 * server's RSS before (issue 13.4).  False: no memory, count every time. */
static bool stats_ready(api_t *api)
{
    pthread_mutex_lock(&api->vix_mu);
    if (!api->vix_stats)
        api->vix_stats = calloc(API_VIX_STATS, sizeof *api->vix_stats);
    bool ok = api->vix_stats != NULL;
    pthread_mutex_unlock(&api->vix_mu);
    return ok;
}

/* The cached counts of every index of v into count / bytes: true when all are there and
 * fresh at now, or stale while another describe recounts them (single flight: that one
 * refreshes them, the others answer the last figures).  False when one is missing, or when
 * they are stale and nobody counts: then *claimed tells whether this caller now counts them
 * for the others (it ends with stats_put, or stats_unclaim on failure). */
static bool stats_get(api_t *api, const store_table *t, const api_vix *v, size_t n, int64_t now,
                      uint64_t *count, double *bytes, int64_t *tsb, bool *claimed)
{
    bool all = true, fresh = true, busy = false;
    *claimed = false;
    pthread_mutex_lock(&api->vix_mu);
    for (size_t k = 0; k < n && all; k++) {
        struct api_vix_stat *s = stat_find(api, t, &v[k]);
        all = s != NULL;
        if (all) {
            fresh = fresh && now - s->at_ms < api->vix_stats_ms;
            busy = busy || s->counting;
            count[k] = s->count;
            bytes[k] = s->bytes;
            *tsb = s->tsb;
        }
    }
    bool use = all && (fresh || busy);
    if (all && !use) {
        for (size_t k = 0; k < n; k++)
            stat_find(api, t, &v[k])->counting = true;
        *claimed = true;
    }
    pthread_mutex_unlock(&api->vix_mu);
    return use;
}

static void stats_unclaim(api_t *api, const store_table *t, const api_vix *v, size_t n)
{
    pthread_mutex_lock(&api->vix_mu);
    for (size_t k = 0; k < n; k++) {
        struct api_vix_stat *s = stat_find(api, t, &v[k]);
        if (s)
            s->counting = false;
    }
    pthread_mutex_unlock(&api->vix_mu);
}

static void stats_put(api_t *api, const store_table *t, const api_vix *v, size_t n, int64_t now,
                      const uint64_t *count, const double *bytes, int64_t tsb)
{
    pthread_mutex_lock(&api->vix_mu);
    for (size_t k = 0; k < n; k++) {
        struct api_vix_stat *s = stat_find(api, t, &v[k]);
        if (!s) { /* a free entry (at_ms 0), else the oldest */
            s = &api->vix_stats[0];
            for (size_t i = 1; i < API_VIX_STATS && s->table_id; i++)
                if (!api->vix_stats[i].table_id || api->vix_stats[i].at_ms < s->at_ms)
                    s = &api->vix_stats[i];
        }
        s->table_id = t->id;
        s->created_ms = t->created_ms;
        s->added_ms = v[k].added_ms;
        s->at_ms = now;
        snprintf(s->name, sizeof s->name, "%s", v[k].name);
        s->count = count[k];
        s->bytes = bytes[k];
        s->tsb = tsb;
        s->counting = false;
    }
    pthread_mutex_unlock(&api->vix_mu);
}

/* ---- DescribeTable --------------------------------------------------------------------- */

typedef struct count_ctx {
    const store_table *t;
    api_vix *v;
    size_t n;
    uint64_t *count;
    double *bytes;
    arena_t *scratch;
    const api_vix *bill; /* the indexes a write bills (not deleted) */
    size_t n_bill;
    int64_t excess;      /* sum of vec_excess */
} count_ctx;

static int count_item(void *vctx, const av_t *item)
{
    count_ctx *c = vctx;
    c->excess += vec_excess(c->bill, c->n_bill, item);
    for (size_t i = 0; i < c->n; i++)
        if (api_vix_vector(&c->v[i], item, NULL)) {
            c->count[i]++;
            c->bytes[i] += entry_bytes(c->scratch, c->t, &c->v[i], item);
        }
    arena_reset(c->scratch);
    return 0;
}

int api_vix_describe(api_req *r, const store_table *t, json_t *meta, const char *table_arn,
                     json_t *desc)
{
    api_vix *v;
    size_t n;
    int rc = api_vix_from_meta(r->api, r->arena, meta, base_wall_ms(), &v, &n, r->err);
    if (rc || n == 0)
        return rc;
    uint64_t *count = arena_zalloc(r->arena, n * sizeof *count);
    double *bytes = arena_zalloc(r->arena, n * sizeof *bytes);
    if (!count || !bytes)
        return api_nomem(r);
    uint64_t items = 0, ib = 0;
    if ((rc = store_table_stats(r->api->store, t, NULL, &items, &ib, r->err)))
        return rc;
    vix_defs *owned;
    const vix_defs *defs = defs_of(t, &owned);
    if (!defs)
        return api_nomem(r);
    /* counted from every item of a small table; a big one's counts are reused a while.
     * TableSizeBytes with the vectors as AWS sizes them (name + 4 bytes a dimension, as a
     * write is billed, api_vix_bill): the store's byte counter holds the stored numbers, and
     * a second counter would need the store to know vector indexes (a format change), so the
     * difference is counted here with the index counts, and is as fresh as they are */
    int64_t now = base_wall_ms(), tsb = 0;
    bool cached = items > r->api->vix_exact_items && stats_ready(r->api), claimed = false;
    if (items && !(cached && stats_get(r->api, t, v, n, now, count, bytes, &tsb, &claimed))) {
        if (r->api->vix_count_hook)
            r->api->vix_count_hook(r->api->vix_count_arg);
        memset(count, 0, n * sizeof *count);
        memset(bytes, 0, n * sizeof *bytes);
        arena_t scratch;
        arena_init(&scratch);
        count_ctx c = {t, v, n, count, bytes, &scratch, defs->live, defs->n_live, 0};
        rc = api_vix_scan(r, t, count_item, &c);
        arena_fini(&scratch);
        tsb = (int64_t)ib - c.excess;
        tsb = tsb < 0 ? 0 : tsb;
        if (rc) {
            if (claimed)
                stats_unclaim(r->api, t, v, n);
            defs_free(owned ? &owned->m : NULL);
            return rc;
        }
        if (cached)
            stats_put(r->api, t, v, n, now, count, bytes, tsb);
    }
    defs_free(owned ? &owned->m : NULL);
    if (json_object_set_new(desc, "TableSizeBytes", json_integer(tsb)))
        return api_nomem(r);
    json_t *list = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(meta, "Vec"), i, x)
    {
        const char *name = jstr(x, "IndexName");
        size_t k;
        for (k = 0; k < n && (!name || strcmp(v[k].name, name)); k++)
            ;
        if (k == n || !list)
            continue;
        json_t *d = json_object();
        json_object_set_new(d, "IndexName", json_string(name));
        json_t *ss = json_object_get(x, "SearchSchema");
        if (json_array_size(ss))
            json_object_set(d, "SearchSchema", ss);
        json_object_set(d, "Projection", json_object_get(x, "Projection"));
        json_object_set(d, "VectorAttribute", json_object_get(x, "VectorAttribute"));
        json_object_set_new(d, "Dimensions", json_integer((json_int_t)v[k].dims));
        json_object_set_new(d, "DistanceFunction", json_string(vec_fn_name(v[k].fn)));
        const char *st = v[k].phase == API_VIX_ACTIVE     ? "ACTIVE"
                         : v[k].phase == API_VIX_DELETING ? "DELETING"
                                                          : "CREATING";
        json_object_set_new(d, "IndexStatus", json_string(st));
        if (v[k].phase == API_VIX_ALLOCATING || v[k].phase == API_VIX_BACKFILLING)
            json_object_set_new(d, "Backfilling", json_boolean(v[k].phase == API_VIX_BACKFILLING));
        json_object_set_new(d, "IndexSizeBytes", json_integer((json_int_t)bytes[k]));
        json_object_set_new(d, "ItemCount", json_integer((json_int_t)count[k]));
        const char *arn = arena_printf(r->arena, "%s/index/%s", table_arn, name);
        json_object_set_new(d, "IndexArn", json_string(arn ? arn : ""));
        if (json_array_append_new(list, d))
            break;
    }
    if (!list || json_object_set_new(desc, "VectorIndexes", list))
        return api_nomem(r);
    return 0;
}

/* ---- UpdateTable ----------------------------------------------------------------------- */

/* A vector index x being deleted: its SearchSchema attributes that no key, no other index
 * and no other live vector index's SearchSchema uses leave the table's AttributeDefinitions,
 * as a GSI delete prunes its key attributes (AWS, ack-api-quirks DDB-TABLE-151/162; the
 * AWS-checked emulator Dynoxide reconciles a vector delete the same way). */
static void prune_defs(const store_table *cur, json_t *meta, json_t *list, json_t *x)
{
    json_t *defs = json_object_get(meta, "AttributeDefinitions");
    size_t i;
    json_t *el;
    json_array_foreach(json_object_get(x, "SearchSchema"), i, el)
    {
        const char *n = jstr(el, "AttributeName"), *kty, *kkt;
        if (!n || key_attr_of(cur, n, &kty, &kkt))
            continue;
        bool used = false;
        size_t j;
        json_t *y;
        json_array_foreach(list, j, y)
        {
            if (y == x || jint(y, "DeletedMs"))
                continue;
            size_t k;
            json_t *e2;
            json_array_foreach(json_object_get(y, "SearchSchema"), k, e2)
            {
                const char *m = jstr(e2, "AttributeName");
                used = used || (m && !strcmp(m, n));
            }
        }
        for (size_t d = json_array_size(defs); !used && d-- > 0;) {
            const char *dn = jstr(json_array_get(defs, d), "AttributeName");
            if (dn && !strcmp(dn, n))
                json_array_remove(defs, d);
        }
    }
}

typedef struct ut_vix {
    json_t *create;    /* the Create action, or NULL */
    const char *del;   /* the Delete action's index, or NULL */
    json_t *defs;      /* the request's AttributeDefinitions (may be NULL) */
    const char *table; /* caller-visible name */
    api_meta_fn pre;   /* the request's other change (its BillingMode), made first, or NULL */
    void *pre_ctx;
} ut_vix;

static int ut_vix_edit(api_req *r, void *vctx, const store_table *cur, json_t *meta)
{
    ut_vix *u = vctx;
    if (u->pre) {
        int prc = u->pre(r, u->pre_ctx, cur, meta);
        if (prc)
            return prc;
    }
    int64_t now = base_wall_ms();
    api_t *api = r->api;
    json_t *list = json_object_get(meta, "Vec");
    if (!json_is_array(list)) {
        list = json_array();
        if (!list || json_object_set_new(meta, "Vec", list))
            return api_nomem(r);
    }
    /* entries gone by now leave the metadata */
    for (size_t i = json_array_size(list); i-- > 0;)
        if (entry_phase(api, json_array_get(list, i), now) == API_VIX_GONE)
            json_array_remove(list, i);
    bool gsi_busy = cur->n_dropping > 0;
    for (size_t i = 0; i < cur->n_idx; i++)
        gsi_busy = gsi_busy || cur->idx[i].backfilling;
    if (u->del) {
        json_t *x = NULL;
        size_t i;
        json_t *y;
        json_array_foreach(list, i, y)
        {
            const char *n = jstr(y, "IndexName");
            if (n && !strcmp(n, u->del))
                x = y;
        }
        if (!x)
            return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_VIX_UT_NO_INDEX, u->del, u->table);
        api_vix_phase p = entry_phase(api, x, now);
        if (p == API_VIX_ALLOCATING)
            return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_GSI_ALLOCATING, u->table, u->del);
        if (p == API_VIX_DELETING)
            return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_GSI_DELETING, u->table, u->del);
        /* another index being created or deleted: one online index action at a time */
        json_array_foreach(list, i, y)
        {
            api_vix_phase q = entry_phase(api, y, now);
            if (y != x && q != API_VIX_ACTIVE)
                return err_set(r->err, ERR_LIMIT_EXCEEDED, TXT_GSI_ONE_AT_A_TIME);
        }
        if (gsi_busy)
            return err_set(r->err, ERR_LIMIT_EXCEEDED, TXT_GSI_ONE_AT_A_TIME);
        if (json_object_set_new(x, "DeletedMs", json_integer(now)))
            return api_nomem(r);
        prune_defs(cur, meta, list, x);
        return 0;
    }
    json_t *c = u->create;
    const char *name = jstr(c, "IndexName");
    size_t i;
    json_t *y;
    /* a name an index still being created has: that index is in use */
    json_array_foreach(list, i, y)
    {
        const char *n = jstr(y, "IndexName");
        api_vix_phase p = entry_phase(api, y, now);
        if (n && name && !strcmp(n, name) &&
            (p == API_VIX_ALLOCATING || p == API_VIX_BACKFILLING))
            return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_VIX_BEING_CREATED, u->table, name);
    }
    for (size_t k = 0; name && k < cur->n_idx; k++)
        if (cur->idx[k].backfilling && !strcmp(cur->idx[k].name, name))
            return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_VIX_BEING_CREATED, u->table, name);
    if (gsi_busy || api_vix_busy(api, meta, now))
        return err_set(r->err, ERR_LIMIT_EXCEEDED, TXT_GSI_ONE_AT_A_TIME);
    const char *bm = jstr(meta, "BillingMode");
    if (!bm || strcmp(bm, "PAY_PER_REQUEST"))
        return api_verr(r, TXT_VIX_PROVISIONED);
    json_t *defs = json_object_get(meta, "AttributeDefinitions");
    int rc = vix_def_check(r, c, u->defs);
    if (rc)
        return rc;
    /* the vector attribute: not defined by the request (CreateTable's rule), no key attribute
     * of the table or an index (their schema's text), and not defined by the table either
     * (inferred: a SearchSchema attribute of another index); no live index's vector attribute
     * defined by the request (its definition would join the table's) */
    const char *va = jstr(json_object_get(c, "VectorAttribute"), "AttributeName");
    const char *kty, *kkt;
    if (defined(u->defs, va))
        return err_set(r->err, ERR_VALIDATION, TXT_VIX_ATTR_DEFINED, va);
    if (va && key_attr_of(cur, va, &kty, &kkt))
        return err_set(r->err, ERR_VALIDATION, TXT_VIX_VECTOR_ON_KEY, va, kty, kkt, va,
                       jint(c, "Dimensions"));
    if (defined(defs, va))
        return err_set(r->err, ERR_VALIDATION, TXT_VIX_ATTR_DEFINED, va);
    json_array_foreach(list, i, y)
    {
        const char *oa = jstr(json_object_get(y, "VectorAttribute"), "AttributeName");
        if (!jint(y, "DeletedMs") && defined(u->defs, oa))
            return err_set(r->err, ERR_VALIDATION, TXT_VIX_ATTR_DEFINED, oa);
    }
    /* a name taken by a vector index, a GSI or an LSI (AWS: one text for each family) */
    if (name_in(list, name))
        return api_verr(r, TXT_VIX_EXISTS);
    for (size_t k = 0; k < cur->n_idx + cur->n_dropping; k++) {
        const store_index *ix = k < cur->n_idx ? &cur->idx[k] : &cur->dropping[k - cur->n_idx];
        if (name && !strcmp(ix->name, name))
            return api_verr(r, TXT_VIX_EXISTS);
    }
    if (json_array_size(list) >= API_VIX_MAX)
        return err_set(r->err, ERR_LIMIT_EXCEEDED, "%s", TXT_VIX_COUNT_UPDATE);
    json_array_foreach(list, i, y)
    {
        if (dims_conflict(y, c))
            return err_set(r->err, ERR_VALIDATION, TXT_VIX_DIMS_CONFLICT,
                           jstr(json_object_get(c, "VectorAttribute"), "AttributeName"));
    }
    /* the request's definitions of the SearchSchema's attributes join the table's */
    json_t *el;
    json_array_foreach(json_object_get(c, "SearchSchema"), i, el)
    {
        const char *en = jstr(el, "AttributeName");
        if (!en || defined(defs, en))
            continue;
        size_t j;
        json_t *d;
        json_array_foreach(u->defs, j, d)
        {
            const char *dn = jstr(d, "AttributeName");
            if (dn && !strcmp(dn, en)) {
                if (!json_is_array(defs)) {
                    defs = json_array();
                    if (!defs || json_object_set_new(meta, "AttributeDefinitions", defs))
                        return api_nomem(r);
                }
                if (json_array_append(defs, d))
                    return api_nomem(r);
                break;
            }
        }
    }
    json_t *m = meta_entry(c, now);
    if (!m || json_array_append_new(list, m))
        return api_nomem(r);
    return 0;
}

/* UpdateTable's members that make a change besides VectorIndexUpdates */
static const char *const ut_others[] = {"GlobalSecondaryIndexUpdates",
                                        "BillingMode",
                                        "ProvisionedThroughput",
                                        "StreamSpecification",
                                        "SSESpecification",
                                        "TableClass",
                                        "DeletionProtectionEnabled",
                                        "OnDemandThroughput",
                                        "WarmThroughput",
                                        "ReplicaUpdates"};

bool api_vix_updates_alone(json_t *body)
{
    for (size_t k = 0; k < sizeof ut_others / sizeof ut_others[0]; k++) {
        json_t *o = json_object_get(body, ut_others[k]);
        if (o && !json_is_null(o))
            return false;
    }
    return true;
}

int api_vix_update_table(api_req *r, const store_table *t, api_meta_fn pre, void *pre_ctx)
{
    json_t *body = r->body;
    json_t *ups = json_object_get(body, "VectorIndexUpdates");
    size_t n = json_array_size(ups);
    /* an empty list next to a BillingMode (alone it is op_update_table's nothing-to-change):
     * inferred, no capture (an empty GSI list there is "List of GlobalSecondaryIndexUpdates
     * is empty", DDB-TABLE-160; ExtendDB would take the billing change alone) */
    if (n == 0)
        return api_verr(r, TXT_CT_INVALID "VectorIndexUpdates must not be empty");
    ut_vix u = {.defs = json_object_get(body, "AttributeDefinitions"),
                .table = api_table_name(t),
                .pre = pre,
                .pre_ctx = pre_ctx};
    size_t actions = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(ups, i);
        json_t *c = json_object_get(e, "Create"), *d = json_object_get(e, "Delete");
        bool hc = c && !json_is_null(c), hd = d && !json_is_null(d);
        if (hc == hd)
            return api_verr(r, hc ? TXT_VIX_UT_BOTH : TXT_VIX_UT_NEITHER);
        actions++;
        if (hc)
            u.create = c;
        else
            u.del = jstr(d, "IndexName");
    }
    if (actions > 1)
        return err_set(r->err, ERR_LIMIT_EXCEEDED, TXT_GSI_ONE_AT_A_TIME);
    return api_table_meta_edit(r, t, ut_vix_edit, &u);
}
