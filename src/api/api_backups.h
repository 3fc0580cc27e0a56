/*
 * api_backups — the state of the backup and restore jobs (op_backup.c runs them), shared with
 * the table state checks (api_tstate.c: api_backup_restoring, which the table lookup asks
 * whether a table is still being restored).  Layer: api (private).
 *
 * The manager (api->backups) and its jobs are op_backup.c's: it creates, starts, reaps and
 * frees them, always under the manager's mutex; api_tstate.c only reads the job list under
 * that mutex.
 */
#ifndef DDB_API_API_BACKUPS_H
#define DDB_API_API_BACKUPS_H

#include <pthread.h>
#include <stdatomic.h>

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
    bk_job *jobs; /* running and finished, reaped by bk_reap */
    bk_hold *holds;
    bool stopping;
    atomic_int n_restoring; /* fast path of api_backup_restoring */
    long done_delay_ms;     /* tests: a pause between a restore's ACTIVE and its job's end */
} bk_mgr;

#endif
