/*
 * api_table — the table lookup every operation uses, and a table's metadata.  Layer: api.
 *
 * Below every operation file (and below api_item.c, api_vector.c, api_throttle.c,
 * api_metrics.c, which use it); it calls no operation.
 *
 * Namespaces.  A caller with a namespace (api_caller.ns, e.g. "AKID_us-east-1") sees only
 * its own tables: the store holds its table "T" under the name ns + "/" + "T" (no second
 * '/' when ns already ends with one).  DynamoDB table names never contain '/', so the prefix
 * is unambiguous; ListTables lists the names starting with the prefix, without further '/',
 * and strips it; callers without a namespace see only names without '/'.  The prefixed name
 * must fit STORE_NAME_MAX - 1 bytes (a longer name cannot be created: ValidationException
 * with the table-name text; looked up, it is simply not found).
 *
 * Metadata.  What the store does not model lives in the table's meta JSON blob (its members
 * are listed in op_table.c's opening comment).  A read-modify-write of it is one store
 * transaction (api_table_alter, api_table_meta_edit; CONVENTIONS 9).
 */
#include <string.h>

#include "api/api_backups.h"
#include "api/api_int.h"
#include "api/api_schema.h"
#include "api/api_text.h"
#include "api/api_tstate.h"
#include "api/api_validate.h"
#include "base/log.h"
#include "base/mem.h"
#include "value/ddbjson.h"

/* ---- namespaces ---------------------------------------------------------------------- */

/* The caller's store-name prefix, then `name` ("": the prefix alone), written into out
 * (STORE_NAME_MAX, terminated).  The prefix is "" without a namespace, else ns followed by '/'
 * (added when ns does not already end with one).  Returns the length written, or
 * STORE_NAME_MAX (out unspecified) when it does not fit.  memcpy, not snprintf: it runs on
 * every request's table lookup. */
size_t api_table_ns(const api_req *r, const char *name, char out[STORE_NAME_MAX])
{
    const char *ns = (r->caller && r->caller->ns) ? r->caller->ns : "";
    size_t nl = strlen(ns), tl = strlen(name);
    size_t slash = nl && ns[nl - 1] != '/';
    if (nl + slash + tl >= STORE_NAME_MAX)
        return STORE_NAME_MAX;
    memcpy(out, ns, nl);
    if (slash)
        out[nl] = '/';
    memcpy(out + nl + slash, name, tl + 1);
    return nl + slash + tl;
}

/* The store's name for table `name` of this caller; false when it does not fit. */
bool api_table_store_name(const api_req *r, const char *name, char out[STORE_NAME_MAX])
{
    return api_table_ns(r, name, out) < STORE_NAME_MAX;
}

/* The caller-visible name of a stored table (the part after the last '/'). */
const char *api_table_name(const store_table *t)
{
    const char *slash = strrchr(t->name, '/');
    return slash ? slash + 1 : t->name;
}

int api_table_arn_name(api_req *r, const char **name, size_t *len)
{
    const char *s = *name;
    if (!s || *len < 4 || memcmp(s, "arn:", 4) != 0)
        return 0;
    api_arn a;
    api_arn_parse(s, *len, r->api->region, r->api->account_id, &a);
    if (a.cls == API_ARN_BAD || (a.cls == API_ARN_OTHER && !a.name))
        return err_set(r->err, ERR_VALIDATION, "%s", TXT_TABLE_ARN_FORMAT);
    /* TABLE: the ARN ends with the name (nothing after it), so the name is terminated */
    if (a.cls != API_ARN_TABLE || a.name_len < 3 || a.name_len > 255 ||
        !api_name_chars(a.name, a.name_len))
        return err_set(r->err, ERR_VALIDATION, "%s", TXT_INVALID_TABLE_NAME);
    *name = a.other_region || a.other_account ? NULL : a.name;
    *len = a.name_len;
    return 0;
}

int api_table_named(api_req *r, const char *name, const store_table **out)
{
    *out = NULL;
    int rc;
    if (name && strncmp(name, "arn:", 4) == 0) { /* the table's ARN: its name */
        const char *given = name;
        size_t nlen = strlen(name);
        if ((rc = api_table_arn_name(r, &name, &nlen)))
            return rc;
        if (!name) /* another region's or account's table: none here */
            return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_TABLE_RNF, given);
    }
    rc = api_check_table_name(name, r->err);
    if (rc)
        return rc;
    char sn[STORE_NAME_MAX];
    if (api_table_store_name(r, name, sn) && (rc = api_pin_table(r, sn, out)))
        return rc;
    return *out ? 0 : err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_TABLE_RNF, name);
}

const store_table *api_table(api_req *r, const char *name)
{
    const store_table *t;
    if (api_table_named(r, name, &t))
        return NULL;
    /* not ACTIVE yet (being restored, CREATING under --table-delay): DynamoDB's not-found;
     * one whose restore state is damaged: InternalServerError (api_table_meta_fail) */
    if (api_backup_restoring(r->api, t) ||
        (r->api->table_delay_ms > 0 && api_table_creating_until(r->api, t))) {
        if (api_table_meta_damaged(t))
            api_table_meta_fail(r, t);
        else
            err_set(r->err, ERR_RESOURCE_NOT_FOUND, "%s", TXT_RES_NOT_FOUND);
        return NULL;
    }
    return t;
}

/* --table-delay: the ResourceInUseException of a change (DeleteTable, UpdateTable) of t
 * while it is CREATING, else 0. */
int api_table_creating_refuse(api_req *r, const store_table *t)
{
    if (t && api_table_creating_until(r->api, t))
        return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_TABLE_BEING_CREATED,
                       api_table_name(t));
    return 0;
}

int api_restore_refuse(api_req *r, const store_table *t)
{
    if (!t)
        return 0;
    if (!api_backup_restoring(r->api, t) && !api_bk_meta_restoring(t))
        return 0;
    return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_BK_RESTORING, api_table_name(t));
}

bool api_table_deleting(api_req *r, const char *name)
{
    char sn[STORE_NAME_MAX];
    return r->api->table_delay_ms > 0 && name && api_table_store_name(r, name, sn) &&
           api_gone_has(r->api, sn);
}

/* --table-delay: a failed lookup (rc) of the request's TableName turned into the
 * ResourceInUseException "Table is being deleted" when DeleteTable dropped that table less
 * than the delay ago; else rc. */
int api_table_deleting_refuse(api_req *r, int rc)
{
    if (rc != ERR_RESOURCE_NOT_FOUND || r->api->table_delay_ms <= 0)
        return rc;
    json_t *j = json_object_get(r->body, "TableName");
    char sn[STORE_NAME_MAX];
    if (!json_is_string(j) || !api_table_store_name(r, json_string_value(j), sn) ||
        !api_gone_has(r->api, sn))
        return rc;
    err_clear(r->err);
    return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_TABLE_BEING_DELETED, json_string_value(j));
}

/* TableName of the request, validated; the table looked up. */
int api_table_lookup(api_req *r, const store_table **out)
{
    const char *name;
    int rc = api_json_str(r->body, "TableName", &name, r->err);
    *out = NULL;
    return rc ? rc : api_table_named(r, name, out);
}

/* ---- metadata ------------------------------------------------------------------------ */

/* The table's meta object (new reference; an empty object when the table has none).  NULL
 * when the stored text cannot be read (out of memory, or not an object): never an empty
 * object then, which a change would store back over the table's settings, tags and policies
 * (a TagResource whose parse failed for memory wiped them all).  A text that does not parse
 * while no allocation failed is damaged: said once per descriptor, which is marked; before,
 * every request to such a table logged "out of memory" (review32a F3;
 * test_table_meta.c test_damaged_metadata). */
static json_t *meta_load_as(const store_table *t, const store_table *mark);

static json_t *meta_load(const store_table *t)
{
    return meta_load_as(t, t);
}

/* meta_load of t, whose damage is said and marked on mark: the request's pinned descriptor
 * when t is the store's own copy inside a write txn with the same text (tbl_edit_run), so a
 * write to a damaged table logs it once too (review r33a F2). */
static json_t *meta_load_as(const store_table *t, const store_table *mark)
{
    if (!t->meta || !t->meta_len)
        return json_object();
    unsigned long oom0 = mem_failures();
    json_error_t je;
    json_t *m = json_loadb(t->meta, t->meta_len, JSON_ALLOW_NUL, &je);
    if (json_is_object(m))
        return m;
    if (mem_failures() == oom0 && !(store_table_mark(mark) & API_MARK_META_DAMAGED)) {
        store_table_mark_set(mark, API_MARK_META_DAMAGED);
        if (mark != t) /* t is the one api_table_meta_fail is asked about */
            store_table_mark_set(t, API_MARK_META_DAMAGED);
        log_error("the metadata of table %s is damaged (%s at byte %d of %zu): the table "
                  "cannot be used; DeleteTable removes it with its items (unless a restore "
                  "into it was running), or restore the data dir from a backup",
                  t->name, m ? "not an object" : je.text, m ? 0 : je.position, t->meta_len);
    }
    json_decref(m);
    return NULL;
}

bool api_table_meta_damaged(const store_table *t)
{
    return (store_table_mark(t) & API_MARK_META_DAMAGED) != 0;
}

/* A table whose metadata is damaged cannot be used: every request that needs its metadata,
 * or names it while a restore's state in it says InProgress (bk_meet refuses its data plane:
 * served, a restore another process runs would overwrite its writes), answers AWS's
 * InternalServerError, a fault on the server's side, naming the damage: not the
 * ResourceNotFoundException of a table being restored, which would say the table does not
 * exist while CreateTable says it does, nor "out of memory", which it is not. */
int api_table_meta_fail(api_req *r, const store_table *t)
{
    if (api_table_meta_damaged(t))
        return err_set(r->err, ERR_INTERNAL, TXT_META_DAMAGED, api_table_name(t));
    return api_nomem(r);
}

/* meta, changed since oom0 (mem_failures() then), as the table's new metadata blob (into the
 * change's arena): refused when an allocation failed meanwhile (ddbjson_dumps_built). */
static int meta_put(store_alter *al, json_t *meta, unsigned long oom0, err_t *e)
{
    char *s = ddbjson_dumps_built(meta, JSON_COMPACT, oom0);
    char *p = s ? arena_strdup(al->arena, s) : NULL;
    size_t n = s ? strlen(s) : 0;
    free(s);
    if (!p)
        return err_set(e, ERR_NOMEM, "out of memory");
    al->next.meta = p;
    al->next.meta_len = n;
    return 0;
}

typedef struct tbl_edit {
    api_req *r;
    const store_table *t; /* the request's pinned descriptor */
    api_table_edit_fn fn;
    void *ctx;
    bool with_meta;
    int fn_rc; /* what edit returned, to tell its errors from the store's */
} tbl_edit;

static int tbl_edit_run(void *vctx, store_alter *al, err_t *e)
{
    tbl_edit *x = vctx;
    api_req *r = x->r;
    err_t *saved = r->err;
    json_t *meta = NULL;
    int rc = 0;
    unsigned long oom0 = mem_failures();
    r->err = e;
    const store_table *mark = al->cur;
    if (x->t && x->t->meta_len == al->cur->meta_len &&
        (!al->cur->meta_len || memcmp(x->t->meta, al->cur->meta, al->cur->meta_len) == 0))
        mark = x->t; /* the same text: said once, on the descriptor requests pin */
    if (x->with_meta && !(meta = meta_load_as(al->cur, mark)))
        rc = api_table_meta_fail(r, mark);
    if (rc == 0)
        rc = x->fn_rc = x->fn(r, x->ctx, al, meta);
    if (rc == 0 && meta)
        rc = meta_put(al, meta, oom0, e);
    json_decref(meta);
    r->err = saved;
    return rc;
}

/* Runs edit on table t as one store transaction.  *out (may be NULL): the table as changed,
 * pinned for the request.  A table deleted meanwhile is DynamoDB's not-found. */
int api_table_alter(api_req *r, const store_table *t, bool with_meta, api_table_edit_fn fn,
                    void *ctx, const store_table **out)
{
    tbl_edit x = {.r = r, .t = t, .fn = fn, .ctx = ctx, .with_meta = with_meta};
    const store_table *nt = NULL;
    int rc = store_table_alter(r->api->store, t->name, tbl_edit_run, &x, out ? &nt : NULL, r->err);
    if (rc == ERR_RESOURCE_NOT_FOUND && x.fn_rc != rc) { /* the store's: DynamoDB's text */
        err_clear(r->err);
        return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_TABLE_RNF, api_table_name(t));
    }
    if (rc)
        return rc;
    if (out) {
        if ((rc = api_keep_pin(r, nt)))
            return rc;
        if (!nt)
            return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_TABLE_RNF, api_table_name(t));
        *out = nt;
    }
    return 0;
}

json_t *api_table_meta(const store_table *t)
{
    return meta_load(t);
}

typedef struct meta_edit {
    api_meta_fn fn;
    void *ctx;
} meta_edit;

static int meta_edit_run(api_req *r, void *ctx, store_alter *al, json_t *meta)
{
    meta_edit *m = ctx;
    return m->fn(r, m->ctx, al->cur, meta);
}

int api_table_meta_edit(api_req *r, const store_table *t, api_meta_fn fn, void *ctx)
{
    meta_edit m = {.fn = fn, .ctx = ctx};
    return api_table_alter(r, t, true, meta_edit_run, &m, NULL);
}

int api_table_find(api_req *r, const char *name, const store_table **out)
{
    char sn[STORE_NAME_MAX];
    int rc;
    *out = NULL;
    if (name && strncmp(name, "arn:", 4) == 0) { /* the table's ARN: its name (final21 F3) */
        size_t nlen = strlen(name);
        if ((rc = api_table_arn_name(r, &name, &nlen)))
            return rc;
        if (!name) /* another region's or account's table: none here */
            return 0;
    }
    if (api_table_store_name(r, name, sn) && (rc = api_pin_table(r, sn, out)))
        return rc;
    if (*out && (api_backup_restoring(r->api, *out) || /* not ACTIVE yet: not there */
                 api_table_creating_until(r->api, *out))) {
        const store_table *t = *out;
        *out = NULL;
        if (api_table_meta_damaged(t)) /* its restore state unknown: see api_table_meta_fail */
            return api_table_meta_fail(r, t);
    }
    return 0;
}

long long api_meta_int(json_t *m, const char *k)
{
    json_t *j = json_object_get(m, k);
    return json_is_integer(j) ? (long long)json_integer_value(j) : 0;
}

bool api_meta_is_ppr(json_t *meta)
{
    const char *b = json_string_value(json_object_get(meta, "BillingMode"));
    return b && strcmp(b, "PAY_PER_REQUEST") == 0;
}

int64_t api_tp_capacity(json_t *m, int64_t wall, int64_t out[2])
{
    int64_t until = api_meta_int(m, "UpdatingUntil");
    bool old = until > wall && json_object_get(m, "PrevRCU");
    if (out) {
        out[0] = api_meta_int(m, old ? "PrevRCU" : "RCU");
        out[1] = api_meta_int(m, old ? "PrevWCU" : "WCU");
    }
    return old ? until : 0;
}
