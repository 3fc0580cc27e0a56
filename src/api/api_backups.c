/*
 * api_backups — the backup and restore jobs of this process: the manager (api->backups), its
 * job list and holds, a worker's start, signals and end.  Layer: api (private).
 *
 * op_backup.c runs the jobs (CreateBackup's dump, a restore's load) and asks here whether
 * one is busy, holds a backup while it reads or deletes it, and starts its workers; the
 * table lookup (api_table.c) asks api_backup_restoring whether a table is still being
 * restored.  The manager is created by api_new and stopped by api_free (api.c); every
 * change of the job list and the holds is made under the manager's mutex, which this file
 * alone takes.  A job's own fields are its worker's (op_backup.c) once it started.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/BackupRestore.html
 */
#include "api/api_backups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"

#define BK_DONE_DELAY_MAX_MS 60000 /* the test aid DDBCHAT_RESTORE_DONE_DELAY_MS's bound */
#define BK_FOREIGN_RETRY_MS 1000   /* another process's restore: its lock tried this often */
#define BK_SWEEP_MAX 8 /* foreign entries of other tables looked at by one request */

int api_backups_init(api_t *api, err_t *e)
{
    bk_mgr *m = calloc(1, sizeof *m);
    if (!m)
        return err_set(e, ERR_NOMEM, "out of memory");
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    atomic_init(&m->n_restoring, 0);
    const char *d = getenv("DDBCHAT_RESTORE_DONE_DELAY_MS");
    m->done_delay_ms = d ? strtol(d, NULL, 10) : 0;
    if (m->done_delay_ms < 0 || m->done_delay_ms > BK_DONE_DELAY_MAX_MS)
        m->done_delay_ms = m->done_delay_ms < 0 ? 0 : BK_DONE_DELAY_MAX_MS;
    api->backups = m;
    return 0;
}

void api_bk_job_free(bk_job *j)
{
    if (!j)
        return;
    if (j->t)
        store_table_unpin(j->api->store, j->t);
    store_dump_abort(j->dump);
    store_bk_unlock(j->lock_fd);
    free(j);
}

/* Joins and frees finished jobs (caller holds mu). */
static void bk_reap(bk_mgr *m)
{
    for (bk_job **pp = &m->jobs; *pp;) {
        bk_job *j = *pp;
        if (j->finished) {
            *pp = j->next;
            pthread_join(j->th, NULL);
            api_bk_job_free(j);
        } else {
            pp = &j->next;
        }
    }
}

void api_bk_reap_now(bk_mgr *m)
{
    pthread_mutex_lock(&m->mu);
    bk_reap(m);
    pthread_mutex_unlock(&m->mu);
}

/* Unlinks and frees job j of m's list (a foreign one: no thread; caller holds mu). */
static void bk_drop_foreign_locked(bk_mgr *m, bk_job *j)
{
    for (bk_job **pp = &m->jobs; *pp; pp = &(*pp)->next)
        if (*pp == j) {
            *pp = j->next;
            if (!j->opened)
                atomic_fetch_sub(&m->n_restoring, 1);
            free(j);
            return;
        }
}

void api_backups_fini(api_t *api)
{
    bk_mgr *m = api->backups;
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    m->stopping = true;
    for (bk_job *j = m->jobs, *next; j; j = next) { /* foreign ones have no thread to wait */
        next = j->next;
        if (j->foreign)
            bk_drop_foreign_locked(m, j);
    }
    while (m->jobs) {
        bk_reap(m);
        if (m->jobs)
            pthread_cond_wait(&m->cv, &m->mu);
    }
    pthread_mutex_unlock(&m->mu);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free(m);
    api->backups = NULL;
}

/* api_bk_busy with m->mu held. */
static bool bk_busy_locked(bk_mgr *m, int kind, const char *id, uint32_t table_id)
{
    bool busy = false;
    for (bk_job *j = m->jobs; j && !busy; j = j->next) {
        if (j->finished || j->kind != kind)
            continue;
        if (id && strcmp(j->id, id) == 0)
            busy = true;
        if (table_id && j->table_id == table_id)
            busy = true;
    }
    return busy;
}

/* True when a job of `kind` on backup id (or, for kind BK_JOB_BACKUP with table_id, on that
 * table) is running in this process. */
bool api_bk_busy(bk_mgr *m, int kind, const char *id, uint32_t table_id)
{
    pthread_mutex_lock(&m->mu);
    bool busy = bk_busy_locked(m, kind, id, table_id);
    pthread_mutex_unlock(&m->mu);
    return busy;
}

/* Takes a hold on backup id (bk_hold): for a restore starting (several may), or for a
 * DeleteBackup (alone, and only while no restore job of it runs).  0 with *out (release it
 * with api_bk_hold_release), ERR_BACKUP_IN_USE when the other kind holds it, ERR_NOMEM. */
int api_bk_hold_take(bk_mgr *m, const char *id, bool deleting, bk_hold **out, err_t *e)
{
    *out = NULL;
    bk_hold *h = calloc(1, sizeof *h);
    if (!h)
        return err_set(e, ERR_NOMEM, "out of memory");
    snprintf(h->id, sizeof h->id, "%s", id);
    h->deleting = deleting;
    pthread_mutex_lock(&m->mu);
    bool busy = deleting && bk_busy_locked(m, BK_JOB_RESTORE, id, 0);
    for (bk_hold *o = m->holds; o && !busy; o = o->next)
        busy = strcmp(o->id, id) == 0 && (deleting || o->deleting);
    if (!busy) {
        h->next = m->holds;
        m->holds = h;
    }
    pthread_mutex_unlock(&m->mu);
    if (busy) {
        free(h);
        return err_set(e, ERR_BACKUP_IN_USE, "%s", TXT_BK_IN_USE);
    }
    *out = h;
    return 0;
}

void api_bk_hold_release(bk_mgr *m, bk_hold *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&m->mu);
    for (bk_hold **pp = &m->holds; *pp; pp = &(*pp)->next)
        if (*pp == h) {
            *pp = h->next;
            break;
        }
    pthread_mutex_unlock(&m->mu);
    free(h);
}

/* Starts fn on a job and waits until it reports `started` (or finished). */
int api_bk_start(bk_mgr *m, bk_job *j, void *(*fn)(void *), err_t *e)
{
    pthread_mutex_lock(&m->mu);
    if (m->stopping) {
        pthread_mutex_unlock(&m->mu);
        return err_set(e, ERR_SERVICE_UNAVAILABLE, "the server is stopping");
    }
    j->m = m;
    if (pthread_create(&j->th, NULL, fn, j) != 0) {
        pthread_mutex_unlock(&m->mu);
        return err_set(e, ERR_INTERNAL, "cannot start a backup worker");
    }
    j->next = m->jobs;
    m->jobs = j;
    while (!j->started && !j->finished)
        pthread_cond_wait(&m->cv, &m->mu);
    pthread_mutex_unlock(&m->mu);
    return 0;
}

/* A restore's table takes data-plane requests from now on (called with m->mu held). */
static void bk_open_locked(bk_job *j)
{
    if (j->kind == BK_JOB_RESTORE && !j->opened) {
        j->opened = true;
        atomic_fetch_sub(&j->m->n_restoring, 1);
    }
}

void api_bk_open(bk_job *j)
{
    pthread_mutex_lock(&j->m->mu);
    bk_open_locked(j);
    pthread_mutex_unlock(&j->m->mu);
}

void api_bk_signal(bk_job *j, bool started, bool finished)
{
    pthread_mutex_lock(&j->m->mu);
    if (started)
        j->started = true;
    if (finished) {
        bk_open_locked(j);
        j->finished = true;
    }
    pthread_cond_broadcast(&j->m->cv);
    pthread_mutex_unlock(&j->m->mu);
}

bool api_bk_stopping(bk_job *j)
{
    pthread_mutex_lock(&j->m->mu);
    bool s = j->m->stopping;
    pthread_mutex_unlock(&j->m->mu);
    return s;
}

/* own: a job of this process on t, opened or not, counts as t's entry too (bk_meet: a
 * restore of ours that opened its table is not another process's while its metadata still
 * says InProgress for a moment) */
static int bk_foreign_add(bk_mgr *m, const char *id, bool pitr, const store_table *t,
                          bool own, err_t *e)
{
    bk_job *j = calloc(1, sizeof *j);
    if (!j)
        return err_set(e, ERR_NOMEM, "out of memory");
    j->m = m;
    j->kind = BK_JOB_RESTORE;
    j->foreign = true;
    j->pitr = pitr;
    j->lock_fd = -1;
    j->started = true;
    snprintf(j->id, sizeof j->id, "%s", id);
    snprintf(j->target, sizeof j->target, "%s", t->name);
    j->target_id = t->id;
    j->retry_ms = base_mono_ms() + BK_FOREIGN_RETRY_MS;
    pthread_mutex_lock(&m->mu);
    bool known = false; /* (one entry a table) */
    for (bk_job *o = m->jobs; o && !known; o = o->next)
        known = o->kind == BK_JOB_RESTORE && o->target_id == t->id &&
                (!o->opened || (own && !o->foreign));
    if (!known) {
        j->next = m->jobs;
        m->jobs = j;
        atomic_fetch_add(&m->n_restoring, 1);
    }
    pthread_mutex_unlock(&m->mu);
    if (known)
        free(j);
    return 0;
}

int api_bk_foreign_add(bk_mgr *m, const char *id, bool pitr, const store_table *t, err_t *e)
{
    return bk_foreign_add(m, id, pitr, t, false, e);
}

bool api_bk_foreign_drop(bk_mgr *m, uint32_t table_id)
{
    bool dropped = false;
    pthread_mutex_lock(&m->mu);
    for (bk_job *j = m->jobs, *next; j; j = next) {
        next = j->next;
        if (j->foreign && j->target_id == table_id) {
            bk_drop_foreign_locked(m, j);
            dropped = true;
        }
    }
    pthread_mutex_unlock(&m->mu);
    return dropped;
}

bool api_bk_meta_restoring(const store_table *t)
{
    if (!t || !t->meta || !t->meta_len || !strstr(t->meta, "\"InProgress\":true"))
        return false;
    json_t *meta = api_table_meta(t);
    bool busy = json_is_true(json_object_get(json_object_get(meta, "Restore"), "InProgress"));
    json_decref(meta);
    return busy;
}

/* Foreign entries of tables other than the request's, looked at once every
 * BK_FOREIGN_RETRY_MS by whichever request comes (api_backup_restoring): an entry goes when
 * its table is gone, is another table now, or is restored.  Before, an entry went only at a
 * request to its own table: a restore the other process finished for a table no client of
 * this one reaches, or a table deleted since, kept it until this process stopped, and with
 * it every table lookup's slow path (the manager's lock and a walk of its jobs; read30a
 * R30a-2; test_backups.py
 * test_a_second_server_forgets_a_finished_foreign_restore_without_touching_its_table).
 * The catalog is read with the manager's lock let go: ids and names are copied first. */
static void bk_sweep_foreign(api_t *api, bk_mgr *m, uint32_t skip_id)
{
    struct {
        uint32_t id;
        char name[sizeof ((bk_job *)0)->target];
    } look[BK_SWEEP_MAX];
    int n = 0;
    long long now = base_mono_ms();
    pthread_mutex_lock(&m->mu);
    if (now >= m->sweep_ms && !m->stopping) {
        m->sweep_ms = now + BK_FOREIGN_RETRY_MS;
        for (bk_job *j = m->jobs; j && n < BK_SWEEP_MAX; j = j->next)
            if (j->foreign && j->target_id != skip_id) {
                look[n].id = j->target_id;
                snprintf(look[n].name, sizeof look[n].name, "%s", j->target);
                n++;
            }
    }
    pthread_mutex_unlock(&m->mu);
    for (int i = 0; i < n; i++) {
        const store_table *cur = store_table_pin(api->store, look[i].name);
        bool ended = !cur || cur->id != look[i].id || !api_bk_meta_restoring(cur);
        store_table_unpin(api->store, cur);
        if (ended && api_bk_foreign_drop(m, look[i].id))
            log_info("the restore of %s in another process has ended", look[i].name);
    }
}

#define BK_MARK_MET 1u /* store_table_mark: bk_meet has looked at the descriptor */

/* A descriptor this process meets for the first time (a table created, changed, or
 * reloaded from another process's commit): when its metadata says a restore is loading it
 * and no entry here says so, another process started that restore after this one looked
 * (at start-up, api_backups_resume): registered as foreign, so the data plane is refused
 * and the restore taken over if that process dies (api_backup_restoring).  Before, a serve
 * running when another one's RestoreTableFromBackup began served the restoring table: its
 * writes were overwritten by the backup's items or stayed in the restored table, and a
 * restorer killed was resumed only by a restart (review31a; test_backups.py
 * test_a_running_server_refuses_the_data_plane_of_another_ones_new_restore).  Once per
 * descriptor (its mark), so not a cost of every request.
 *
 * The mark is set only once the entry is in (or none is needed): set first, a request
 * meeting the descriptor at the same time as another went past it before the entry was
 * added and was served, and an entry that could not be made (out of memory) was never tried
 * again, the restoring table served for good (attack32; fault_test_restore_meet).  Returns
 * whether the table must be refused although no entry could be made (out of memory). */
static bool bk_meet(bk_mgr *m, const store_table *t)
{
    /* api_bk_meta_restoring's cheap look first: most tables are not being restored */
    if (!t->meta || !t->meta_len || !strstr(t->meta, "\"InProgress\":true")) {
        store_table_mark_set(t, BK_MARK_MET);
        return false;
    }
    /* damaged metadata (api_table_meta logged it once): its restore state cannot be known,
     * so the table stays refused (InternalServerError: api_table_meta_fail): served, a
     * restore another process runs would overwrite its writes */
    if (api_table_meta_damaged(t))
        return true;
    json_t *meta = api_table_meta(t);
    if (!meta) {
        if (!api_table_meta_damaged(t))
            log_error("the restore state of %s cannot be read (out of memory)", t->name);
        return true; /* met again at the next request */
    }
    json_t *res = json_object_get(meta, "Restore");
    bool refuse = false;
    if (json_is_true(json_object_get(res, "InProgress"))) {
        const char *src = json_string_value(json_object_get(res, "SourceBackupArn"));
        const char *p = src ? strstr(src, "/backup/") : NULL;
        const char *pd = json_string_value(json_object_get(res, "PitrDump"));
        const char *id = p ? p + 8 : pd; /* as api_backups_resume reads them */
        err_t e = {0};
        if (id && *id && bk_foreign_add(m, id, !p, t, true, &e)) {
            log_error("the restore of %s in another process: %s", t->name, e.msg);
            refuse = true;
        }
    }
    json_decref(meta);
    if (!refuse)
        store_table_mark_set(t, BK_MARK_MET);
    return refuse;
}

/* The slow path (a restore is registered): this process's own restore of t gates it until
 * the job opens the table.  Another process's (foreign) gates it until t's metadata says
 * restored (t is the request's pin of the current catalog), when the entry goes; while it
 * still says InProgress, the lock is tried again at most every BK_FOREIGN_RETRY_MS, from a
 * request to the table: free, that process died, and this one resumes the restore (the
 * request is still refused: the table is being restored, here now).  Other tables' foreign
 * entries: bk_sweep_foreign. */
bool api_backup_restoring(api_t *api, const store_table *t)
{
    bk_mgr *m = api->backups;
    if (!m || !t)
        return false;
    if (!(store_table_mark(t) & BK_MARK_MET) && bk_meet(m, t))
        return true;
    if (atomic_load_explicit(&m->n_restoring, memory_order_acquire) == 0)
        return false;
    bool found = false, retry = false, ended = false;
    pthread_mutex_lock(&m->mu);
    bk_job *j = m->jobs;
    for (; j && !found; j = found ? j : j->next)
        found = j->kind == BK_JOB_RESTORE && !j->opened && j->target_id == t->id;
    bool sweep = m->sweep_ms <= base_mono_ms();
    if (found && j->foreign && !api_bk_meta_restoring(t)) {
        bk_drop_foreign_locked(m, j);
        found = false;
        ended = true;
    } else if (found && j->foreign && base_mono_ms() >= j->retry_ms && !m->stopping) {
        j->retry_ms = base_mono_ms() + BK_FOREIGN_RETRY_MS;
        retry = true;
    }
    char id[sizeof j->id];
    bool pitr = false;
    if (retry) {
        snprintf(id, sizeof id, "%s", j->id);
        pitr = j->pitr;
    }
    pthread_mutex_unlock(&m->mu);
    if (ended)
        log_info("the restore of %s in another process has ended", t->name);
    if (retry) {
        /* under RESTORE_GUARD, not waited for: a restore met by bk_meet may have its table
         * and not yet its lock (the restorer holds the guard until it has both) */
        err_t e = {0};
        int guard = -1, rc = store_bk_lock(api->store, RESTORE_GUARD, false, &guard, &e);
        if (rc == 0 && guard >= 0)
            rc = api_bk_start_restore(api, id, pitr, t, &e);
        store_bk_unlock(guard);
        if (rc && rc != ERR_RESOURCE_IN_USE)
            log_error("cannot resume the restore of %s: %s", t->name, e.msg);
    }
    if (sweep)
        bk_sweep_foreign(api, m, t->id);
    return found;
}
