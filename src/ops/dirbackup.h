/*
 * dirbackup — hot backup and restore of a whole data dir.  Layer: ops.
 *
 * ops_dir_backup copies a data dir while servers and CLIs keep using it:
 *   - the LMDB environment as LMDB's compacting copy (store_env_copy_fd): every table, index
 *     and counter as of ONE committed transaction, so the copy holds exactly the writes
 *     committed before that transaction (every write acknowledged before the backup began,
 *     none that failed or had not committed) and each transaction all or nothing;
 *   - then every other regular file under the data dir (the JWT secret, the on-demand
 *     backups of the DynamoDB API under backups/, ...), except LMDB's lock file and files
 *     whose name ends in ".tmp" (writes in progress; their finished versions are renamed
 *     into place atomically, so a copy sees each file either before or after a change);
 *   - last, a manifest ddbchat-backup.json listing each file with its size and SHA-256.
 *     A backup without the manifest is incomplete and is refused by restore.
 * DEST must not exist or be an empty directory; it is created with mode 0700.  Each file is
 * fsynced, then the manifest, then DEST itself.
 *
 * ops_dir_restore checks every file of the manifest (size and SHA-256) before writing
 * anything, copies them into a staging dir next to the target ("<dir>.restore-<pid>"),
 * opens the copy to check it is a data dir this build reads, and renames the staging dir to
 * the target.  The target must not exist or be an empty directory: a restore never
 * overwrites data.
 */
#ifndef DDB_OPS_DIRBACKUP_H
#define DDB_OPS_DIRBACKUP_H

#include <stdint.h>

#include "base/err.h"

#define OPS_BACKUP_MANIFEST "ddbchat-backup.json"
#define OPS_BACKUP_FORMAT "ddbchat-backup"
#define OPS_BACKUP_VERSION 1
#define OPS_BACKUP_MAX_FILES 100000 /* files in one backup (a manifest larger is refused) */

/* Progress: phase ("copying", "verifying"), bytes done of total (total 0: unknown). */
typedef void (*ops_progress_fn)(void *ctx, const char *phase, uint64_t done, uint64_t total);

typedef struct ops_dir_result {
    uint64_t files;       /* files written (data.mdb included) */
    uint64_t bytes;       /* bytes written */
    uint64_t lmdb_bytes;  /* size of the compacted data.mdb */
    uint64_t skipped;     /* entries of the data dir not copied (sockets, symlinks, ...) */
    char created_at[32];  /* the backup's time, ISO 8601 UTC (restore: the backup's) */
} ops_dir_result;

/* Backs up data_dir into dest (see above).  ERR_VALIDATION: dest not empty, data_dir not a
 * data dir; ERR_IO otherwise.  progress may be NULL. */
int ops_dir_backup(const char *data_dir, const char *dest, ops_progress_fn progress, void *pctx,
                   ops_dir_result *out, err_t *e);

/* Restores the backup in src into data_dir (see above).  ERR_VALIDATION: not a complete
 * backup, a file damaged (size or checksum), data_dir not empty; ERR_IO otherwise. */
int ops_dir_restore(const char *src, const char *data_dir, ops_progress_fn progress, void *pctx,
                    ops_dir_result *out, err_t *e);

#endif
