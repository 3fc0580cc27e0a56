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

#include <stdint.h>

#include "store/store.h"

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
} store_env_stats;

int store_env_stats_get(store_t *s, store_env_stats *out, err_t *e);

#endif
