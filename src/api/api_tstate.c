/*
 * api_tstate — the opt-in table state delay (`ddbchat serve --table-delay MS`,
 * api_opts.table_delay_ms).  Layer: api.
 *
 * Every local DynamoDB makes a table ACTIVE the moment CreateTable answers; AWS takes seconds
 * (ack-api-quirks DDB-TABLE-001 / 009: CREATING for ~6 s, DELETING for ~5 s, DDB-TABLE-006),
 * and code that writes to a table right after CreateTable without waiting for ACTIVE fails
 * only there.  With the switch on:
 *   CREATING  CreateTable stores "CreatingUntil" (ms) in the table's metadata; until then the
 *             table is described CREATING (its GSIs too) and the data plane does not see it
 *             (api_table: "Requested resource not found", dynalite's AWS-recorded tests of
 *             every item operation); DeleteTable, UpdateTable and a second CreateTable are
 *             ResourceInUseException "Table is being created" (api_table.c).
 *   DELETING  DeleteTable drops the table at once (its data is gone) and remembers it here,
 *             in memory, with its DELETING description, for the delay: DescribeTable answers
 *             that description, ListTables lists the name, DeleteTable and UpdateTable are
 *             ResourceInUseException "Table is being deleted", CreateTable of the name
 *             "Table already exists" (DDB-TABLE-005 / 006 / 444); the data plane sees no
 *             table.  A restart forgets them (the tables are gone already); other processes
 *             on the data dir never see them.  At most API_GONE_MAX are kept (the oldest is
 *             forgotten first: gone early), each as its description's text (review19 R7).
 * Off (the default): api_table pays one branch, DeleteTable nothing.
 *
 * Being restored (not a switch): a table RestoreTableFromBackup or RestoreTableToPointInTime
 * created is not ACTIVE until its job opened it (api_backup_restoring, api_backups.c);
 * DeleteTable and UpdateTable refuse it meanwhile
 * (api_table.c's api_restore_refuse).
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/api_tstate.h"
#include "value/ddbjson.h"

#define API_GONE_MAX 10000

typedef struct api_gone {
    char name[STORE_NAME_MAX]; /* the store's name (namespace included) */
    int64_t until;             /* wall ms: gone for good from then */
    char *desc;                /* its TableDescription, DELETING, as JSON text (owned) */
} api_gone;

void api_tstate_init(api_t *api, int64_t delay_ms)
{
    api->table_delay_ms = delay_ms > 0 ? delay_ms : 0;
    pthread_mutex_init(&api->gone_mu, NULL);
}

void api_tstate_fini(api_t *api)
{
    for (size_t i = 0; i < api->n_gone; i++)
        free(api->gone[i].desc);
    free(api->gone);
    api->gone = NULL;
    api->n_gone = api->cap_gone = 0;
    pthread_mutex_destroy(&api->gone_mu);
}

int64_t api_table_creating_until(const api_t *api, const store_table *t)
{
    static const char key[] = "\"CreatingUntil\":";
    if (api->table_delay_ms <= 0 || !t || !t->meta)
        return 0;
    /* the largest value after the key: a GSI named CreatingUntil (an object there) counts 0;
     * inside a JSON string the quotes are escaped, so no string matches */
    int64_t until = 0;
    const char *p = t->meta, *end = t->meta + t->meta_len;
    while ((p = memmem(p, (size_t)(end - p), key, sizeof key - 1)) != NULL) {
        p += sizeof key - 1;
        long long v = strtoll(p, NULL, 10);
        if (v > until)
            until = v;
    }
    return until > base_wall_ms() ? until : 0;
}

/* Drops the entries whose time has passed (gone_mu held). */
static void gone_prune(api_t *api, int64_t now)
{
    size_t k = 0;
    for (size_t i = 0; i < api->n_gone; i++) {
        if (api->gone[i].until <= now)
            free(api->gone[i].desc);
        else
            api->gone[k++] = api->gone[i];
    }
    api->n_gone = k;
}

int api_gone_add(api_t *api, const char *store_name, const json_t *desc)
{
    if (api->table_delay_ms <= 0)
        return 0;
    char *d = ddbjson_dumps_whole(desc, JSON_COMPACT);
    if (!d || strlen(store_name) >= STORE_NAME_MAX) {
        free(d);
        return ERR_NOMEM;
    }
    int64_t now = base_wall_ms();
    int rc = 0;
    pthread_mutex_lock(&api->gone_mu);
    gone_prune(api, now);
    if (api->n_gone == API_GONE_MAX) { /* full: the oldest (entries are in time order) goes */
        free(api->gone[0].desc);
        memmove(api->gone, api->gone + 1, (api->n_gone - 1) * sizeof *api->gone);
        api->n_gone--;
    }
    if (api->n_gone == api->cap_gone) {
        size_t cap = api->cap_gone ? api->cap_gone * 2 : 8;
        api_gone *g = realloc(api->gone, cap * sizeof *g);
        if (!g) {
            rc = ERR_NOMEM;
            goto done;
        }
        api->gone = g;
        api->cap_gone = cap;
    }
    api_gone *e = &api->gone[api->n_gone++];
    memcpy(e->name, store_name, strlen(store_name) + 1);
    e->until = now + api->table_delay_ms;
    e->desc = d;
    d = NULL;
done:
    pthread_mutex_unlock(&api->gone_mu);
    free(d);
    return rc;
}

json_t *api_gone_get(api_t *api, const char *store_name)
{
    if (api->table_delay_ms <= 0)
        return NULL;
    json_t *d = NULL;
    pthread_mutex_lock(&api->gone_mu);
    gone_prune(api, base_wall_ms());
    for (size_t i = 0; i < api->n_gone && !d; i++)
        if (strcmp(api->gone[i].name, store_name) == 0)
            d = json_loads(api->gone[i].desc, 0, NULL);
    pthread_mutex_unlock(&api->gone_mu);
    return d;
}

bool api_gone_has(api_t *api, const char *store_name)
{
    if (api->table_delay_ms <= 0)
        return false;
    bool has = false;
    pthread_mutex_lock(&api->gone_mu);
    gone_prune(api, base_wall_ms());
    for (size_t i = 0; i < api->n_gone && !has; i++)
        has = strcmp(api->gone[i].name, store_name) == 0;
    pthread_mutex_unlock(&api->gone_mu);
    return has;
}

bool api_table_name_taken(api_t *api, const char *sn, const store_table *t)
{
    return t || api_gone_has(api, sn);
}

int api_gone_names(api_t *api, arena_t *a, char ***names, size_t *n)
{
    if (api->table_delay_ms <= 0)
        return 0;
    int rc = 0;
    pthread_mutex_lock(&api->gone_mu);
    gone_prune(api, base_wall_ms());
    if (api->n_gone) {
        char **nn = arena_alloc(a, (*n + api->n_gone) * sizeof *nn);
        if (!nn) {
            rc = ERR_NOMEM;
        } else {
            memcpy(nn, *names, *n * sizeof *nn);
            for (size_t i = 0; i < api->n_gone && !rc; i++) {
                bool dup = false; /* created again under the name since: listed once */
                for (size_t j = 0; j < *n && !dup; j++)
                    dup = strcmp(nn[j], api->gone[i].name) == 0;
                if (dup)
                    continue;
                if (!(nn[*n] = arena_strdup(a, api->gone[i].name)))
                    rc = ERR_NOMEM;
                else
                    (*n)++;
            }
            *names = nn;
        }
    }
    pthread_mutex_unlock(&api->gone_mu);
    return rc;
}
