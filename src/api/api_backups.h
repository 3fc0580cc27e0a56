/*
 * api_backups — the backup and restore jobs of this process (api_backups.c), shared by the
 * backup operations that run them (op_backup.c) and the restore job (api_restore.c).  Layer:
 * api (private).
 *
 * The manager (api->backups) and the job list are api_backups.c's: it registers, starts,
 * reaps and frees the jobs, always under the manager's mutex, which only api_backups.c takes
 * (api_restore.c reads done_delay_ms, set once, and counts n_restoring, an atomic, without
 * it); op_backup.c fills a backup job in before api_bk_start and runs it on the worker
 * thread, api_restore.c a restore job; the table lookup learns whether a table is being
 * restored from api_backup_restoring (api_int.h).
 */
#ifndef DDB_API_API_BACKUPS_H
#define DDB_API_API_BACKUPS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "api/api_int.h"
#include "store/backup.h"

enum { BK_JOB_BACKUP = 1, BK_JOB_RESTORE = 2 };

typedef struct bk_job {
    struct bk_mgr *m;
    api_t *api;
    int kind;
    char id[32];                 /* the backup's id */
    const store_table *t;        /* backup: the source table (pinned until the job ends) */
    uint32_t table_id;           /* backup: the source table's id */
    char target[STORE_NAME_MAX]; /* restore: the target's store name */
    uint32_t target_id;
    bool pitr; /* restore: from a point-in-time dump, removed once loaded */
    int lock_fd;
    /* the request waits until the snapshot is taken (backup) or the job has begun */
    bool started, finished;
    /* restore: the table's data plane is open (set just before the metadata says ACTIVE, so
     * a client that saw ACTIVE never meets the restoring table's not-found) */
    bool opened;
    /* restore: another process runs it (its restore-<table id>.lock was held): no thread,
     * registered only so this process's data plane refuses the table as for its own
     * restore; dropped once the metadata says restored, or turned into a job of ours when
     * the lock is free (that process died): api_backup_restoring */
    bool foreign;
    int64_t retry_ms; /* foreign: the next try of the lock (mono ms) */
    uint64_t snap_count, snap_bytes;
    store_dump *dump;
    int rc;
    err_t err;
    pthread_t th;
    struct bk_job *next;
} bk_job;

/* A backup in use by a request, under the manager's mutex: a RestoreTableFromBackup from
 * before it reads the record until its job is registered (or it fails), a DeleteBackup while
 * it removes the files.  Each refuses the other (BackupInUseException), so a restore that
 * answers 200 always finds the whole dump (review13 F5: a DeleteBackup between the record
 * check and the job left the restored table ACTIVE and empty). */
typedef struct bk_hold {
    char id[32];
    bool deleting;
    struct bk_hold *next;
} bk_hold;

typedef struct bk_mgr {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bk_job *jobs; /* running and finished, reaped by api_bk_reap */
    bk_hold *holds;
    bool stopping;
    atomic_int n_restoring; /* fast path of api_backup_restoring */
    long long sweep_ms;     /* api_backup_restoring looks at other tables' foreign entries
                               from then on (monotonic ms; under mu) */
    long done_delay_ms;     /* tests: a pause between a restore's ACTIVE and its job's end */
} bk_mgr;

/* A backup is in use by another job or request (ERR_BACKUP_IN_USE; the service's text). */
#define TXT_BK_IN_USE                                                                              \
    "There is another ongoing conflicting backup control plane operation on the table. The "     \
    "backup is either being created, deleted or restored to a table."

static inline bk_mgr *api_bk_mgr(api_t *api)
{
    return api->backups;
}

/* A backup's file name under backups/: its id and ext (".json" the record, ".dump" its
 * items, ".lock" held while it is written). */
static inline void api_bk_file(char *out, size_t cap, const char *id, const char *ext)
{
    snprintf(out, cap, "%s%s", id, ext);
}

/* Frees a job that never started or has been joined: unpins its table, abandons its dump,
 * lets go of its lock file. */
void api_bk_job_free(bk_job *j);
/* Joins and frees the finished jobs. */
void api_bk_reap_now(bk_mgr *m);
/* True when a job of `kind` on backup id (or, for kind BK_JOB_BACKUP with table_id, on that
 * table) is running in this process. */
bool api_bk_busy(bk_mgr *m, int kind, const char *id, uint32_t table_id);
/* Takes a hold on backup id (bk_hold): for a restore starting (several may), or for a
 * DeleteBackup (alone, and only while no restore job of it runs).  0 with *out (release it
 * with api_bk_hold_release), ERR_BACKUP_IN_USE when the other kind holds it, ERR_NOMEM. */
int api_bk_hold_take(bk_mgr *m, const char *id, bool deleting, bk_hold **out, err_t *e);
void api_bk_hold_release(bk_mgr *m, bk_hold *h);
/* Starts fn on job j (registered in m's list) and waits until it reports started (or
 * finished).  ERR_SERVICE_UNAVAILABLE when the server is stopping, ERR_INTERNAL when no
 * thread could be made (j is then not registered: the caller frees it). */
int api_bk_start(bk_mgr *m, bk_job *j, void *(*fn)(void *), err_t *e);
/* A restore's table takes data-plane requests from now on. */
void api_bk_open(bk_job *j);
/* The worker's news: started (the request may answer), finished (reap it). */
void api_bk_signal(bk_job *j, bool started, bool finished);
/* Whether the server is stopping (a worker gives up). */
bool api_bk_stopping(bk_job *j);

/* backups/<this> is held while a restore creates its table and takes the table's
 * restore-<id>.lock, and while a start-up looks for restores to resume (op_backup.c). */
#define RESTORE_GUARD "restore-new.lock"

/* Whether t's metadata says a restore is loading it (Restore.InProgress). */
bool api_bk_meta_restoring(const store_table *t);
/* Registers a foreign restore (bk_job.foreign) of backup id into table t. */
int api_bk_foreign_add(bk_mgr *m, const char *id, bool pitr, const store_table *t, err_t *e);
/* Drops the foreign restore of table table_id (a job of ours runs it now, or it is done):
 * true when there was one. */
bool api_bk_foreign_drop(bk_mgr *m, uint32_t table_id);

/* api_restore.c: starts the job that loads backups/<id>.dump into table t (pitr: a
 * point-in-time restore's own dump, removed once loaded) and marks it restored.  The job
 * holds backups/restore-<table id>.lock until it ends.  0 once the job runs, or when t's
 * metadata no longer says InProgress (another process finished it: no job); when another
 * process holds the lock, the restore is registered as foreign and ERR_RESOURCE_IN_USE
 * ("it runs in another process"); ERR_NOMEM, ERR_IO (the lock file), or api_bk_start's
 * errors. */
int api_bk_start_restore(api_t *api, const char *id, bool pitr, const store_table *t,
                         err_t *e);

#endif
