/*
 * backup — copies of the engine's data for backups, and the environment's vital signs.
 * Layer: store.
 *
 * store_env_copy_fd writes LMDB's compacting copy (mdb_env_copyfd2 with MDB_CP_COMPACT) of
 * the whole environment: every table, index, counter and catalog record as of ONE committed
 * transaction, without free pages.  It runs under a read transaction, so writers of this
 * and of other processes go on meanwhile (they never wait for it); the copy is a snapshot of
 * the last commit before it began.
 *
 * A long read transaction pins its snapshot: pages freed meanwhile are not reused until it
 * ends, so the data file may grow during a copy.  While it runs, this process cannot grow
 * the LMDB map (LMDB forbids a resize with a transaction open): a writer of this process that
 * fills the map waits for the copy to end.  store_env_copy_fd therefore grows the map first
 * when more than half of it is in use (ST_COPY_HEADROOM), so that the writes during a copy
 * have room.
 */
#ifndef DDB_STORE_BACKUP_H
#define DDB_STORE_BACKUP_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_BK_DIR "backups"        /* under the data dir */
#define STORE_BK_NAME_MAX 128         /* file names under backups/ */
#define STORE_DUMP_MAX_HEADER (16 << 20)
#define STORE_DUMP_MAX_RECORD (4 << 20)

/* The data dir the store was opened on (borrowed; valid until store_close). */
const char *store_dir(store_t *s);

/* Writes the compacted copy of the environment to fd (a regular file opened for writing; it
 * is truncated first).  The caller syncs and closes fd.  ERR_IO with LMDB's reason. */
int store_env_copy_fd(store_t *s, int fd, err_t *e);

/* The LMDB environment's size and use. */
typedef struct store_env_stats {
    uint64_t map_bytes;  /* the map's size (the data file may be smaller: sparse growth) */
    uint64_t used_bytes; /* pages in use up to the last one written (data + free lists) */
    uint64_t file_bytes; /* size of data.mdb on disk */
    uint64_t page_size;
    uint64_t last_txnid;
    uint32_t readers;     /* reader slots used so far (high-water mark, all processes) */
    uint32_t max_readers;
    /* the oldest read snapshot that commits have passed, of any process: how long it has
     * been held (ms, as the maintenance thread last saw it; 0: none) and whose */
    int64_t oldest_snapshot_ms;
    int oldest_snapshot_pid;
} store_env_stats;

int store_env_stats_get(store_t *s, store_env_stats *out, err_t *e);

/* ---- one table as of one snapshot ------------------------------------------------------- */

/* Called once when the snapshot is taken, before the first item: the table's item count and
 * bytes as of the snapshot. */
typedef void (*store_snap_started_fn)(void *ctx, uint64_t count, uint64_t bytes);
/* Called for every item; item lives until the next call.  Non-zero stops the scan and is
 * returned. */
typedef int (*store_item_fn)(void *ctx, const av_t *item, err_t *e);

/* Reads every item of table t in key order, all from one read snapshot (writers of every
 * process go on meanwhile).  The map is grown first when more than half full (see the
 * header comment).  ERR_IO, or what fn returned. */
int store_table_snapshot(store_t *s, const store_table *t, store_snap_started_fn started,
                         store_item_fn fn, void *ctx, err_t *e);

/* ---- dump files: a header blob and items ------------------------------------------------ */
/* Layout: "DDBDUMP1" | u8 version | u32 LE header length | header | records (u32 LE length,
 * av_encode(item)) | u32 0xFFFFFFFF | u64 LE count | u64 LE record bytes | u64 LE FNV-1a of
 * the records.  Written to "<path>.tmp", fsynced and renamed, so a dump under its name is
 * complete; the reader checks the trailer (count and checksum) at the end. */
typedef struct store_dump store_dump;

/* Starts writing path (through path.tmp).  ERR_IO. */
int store_dump_create(const char *path, const void *hdr, size_t hdr_len, store_dump **out,
                      err_t *e);
int store_dump_add(store_dump *d, const av_t *item, err_t *e);
/* Writes the trailer, fsyncs, renames into place and frees d (also on failure).  *out_count
 * and *out_bytes (may be NULL): items and record bytes written. */
int store_dump_finish(store_dump *d, uint64_t *out_count, uint64_t *out_bytes, err_t *e);
/* Abandons a dump being written (removes path.tmp) and frees it.  Accepts NULL. */
void store_dump_abort(store_dump *d);

/* Opens a dump for reading; the header (borrowed, valid until close) in *hdr, *hdr_len.
 * ERR_NOT_FOUND when absent; ERR_IO when it is not a dump of this version. */
int store_dump_open(const char *path, store_dump **out, const char **hdr, size_t *hdr_len,
                    err_t *e);
/* The next item, decoded into a (valid while a lives), or *end true after the last one,
 * once the trailer checked out.  ERR_IO on a truncated or damaged dump. */
int store_dump_next(store_dump *d, arena_t *a, av_t *out_item, bool *end, err_t *e);
/* Accepts NULL. */
void store_dump_close(store_dump *d);

/* ---- files under <data dir>/backups/ ------------------------------------------------------ */
/* Names are [A-Za-z0-9._-]+ (ERR_VALIDATION otherwise): the caller's ids, never paths. */

/* The full path of backups/<name> into out (cap bytes); creates backups/ (0700). */
int store_bk_path(store_t *s, const char *name, char *out, size_t cap, err_t *e);
/* Writes backups/<name> atomically (tmp file, fsync, rename, fsync of the dir). */
int store_bk_write(store_t *s, const char *name, const void *data, size_t len, err_t *e);
/* Reads backups/<name> into the arena (NUL-terminated).  ERR_NOT_FOUND when absent. */
int store_bk_read(store_t *s, const char *name, arena_t *a, char **out, size_t *out_len,
                  err_t *e);
/* Names under backups/ ending in suffix (e.g. ".json"), sorted, in the arena. */
int store_bk_list(store_t *s, const char *suffix, arena_t *a, char ***out, size_t *out_n,
                  err_t *e);
/* Removes backups/<name>; absent is not an error. */
int store_bk_remove(store_t *s, const char *name, err_t *e);
/* Takes an exclusive lock (flock) on backups/<name> (created empty), waiting or not.
 * *out_fd is the lock's descriptor (>= 0), or -1 when !wait and another process or
 * descriptor holds it.  Released by store_bk_unlock or by the process ending. */
int store_bk_lock(store_t *s, const char *name, bool wait, int *out_fd, err_t *e);
void store_bk_unlock(int fd);

#endif
