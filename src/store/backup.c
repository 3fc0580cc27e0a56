/*
 * backup — LMDB's compacting copy of the environment, and its vital signs.  Layer: store.
 * See backup.h.  Used by `ddbchat backup` (ops/dirbackup.c) and the metrics.
 * http://www.lmdb.tech/doc/group__mdb.html#ga5d51d6130325f7353db0955dbedbc378 (mdb_env_copy2)
 */
#include "store/backup.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "store/store_int.h"

/* Grow the map before a copy when more than NUM/DEN of it is in use: writes during the copy
 * then have at least half the map. */
#define ST_COPY_HEADROOM_NUM 1
#define ST_COPY_HEADROOM_DEN 2
#define ST_COPY_ATTEMPTS 8 /* MDB_MAP_RESIZED by another process, then retried */

const char *store_dir(store_t *s)
{
    const char *p = NULL;
    if (mdb_env_get_path(s->env, &p) != 0 || !p)
        return ".";
    return p;
}

/* Doubles the map when more than half of it is used.  Holds no txn (maplock exclusive, as
 * mdb_env_set_mapsize requires no open txn in this process). */
static int bk_headroom(store_t *s, err_t *e)
{
    if (s->opts.read_only)
        return 0; /* a read-only env cannot grow; the writer's process will */
    MDB_envinfo info;
    MDB_stat st;
    int rc = 0;
    pthread_rwlock_wrlock(&s->maplock);
    if (mdb_env_info(s->env, &info) == 0 && mdb_env_stat(s->env, &st) == 0) {
        uint64_t used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
        if (used * ST_COPY_HEADROOM_DEN > (uint64_t)s->mapsize * ST_COPY_HEADROOM_NUM) {
            rc = mdb_env_set_mapsize(s->env, s->mapsize * 2);
            if (rc == 0) {
                mdb_env_info(s->env, &info);
                s->mapsize = info.me_mapsize;
                log_info("store: map grown to %zu bytes before a copy", s->mapsize);
            }
        }
    }
    pthread_rwlock_unlock(&s->maplock);
    if (rc)
        return err_set(e, ERR_IO, "cannot grow the LMDB map: %s", mdb_strerror(rc));
    return 0;
}

int store_env_copy_fd(store_t *s, int fd, err_t *e)
{
    int rc = bk_headroom(s, e);
    if (rc)
        return rc;
    for (int attempt = 0; attempt < ST_COPY_ATTEMPTS; attempt++) {
        /* A read txn of ours holds maplock shared for the whole copy: no resize in this
         * process while mdb_env_copyfd2's own read txn is open. */
        MDB_txn *hold = NULL;
        rc = st_rtxn_begin(s, &hold);
        if (rc)
            return st_mdb_err(rc, e);
        if (lseek(fd, 0, SEEK_SET) < 0 || ftruncate(fd, 0) != 0) {
            int err = errno;
            st_rtxn_end(s, hold);
            return err_set(e, ERR_IO, "cannot rewind the copy's file: %s", strerror(err));
        }
        rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
        st_rtxn_end(s, hold);
        if (rc == MDB_MAP_RESIZED) { /* another process grew the map: adopt it, again */
            MDB_txn *t = NULL;
            if (st_rtxn_begin(s, &t) == 0)
                st_rtxn_end(s, t);
            continue;
        }
        if (rc)
            return err_set(e, ERR_IO, "cannot copy the LMDB environment: %s", mdb_strerror(rc));
        return 0;
    }
    return err_set(e, ERR_IO, "cannot copy the LMDB environment: the map kept being resized");
}

int store_env_stats_get(store_t *s, store_env_stats *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    MDB_envinfo info;
    MDB_stat st;
    int rc = mdb_env_info(s->env, &info);
    if (rc == 0)
        rc = mdb_env_stat(s->env, &st);
    if (rc)
        return st_mdb_err(rc, e);
    out->map_bytes = info.me_mapsize;
    out->page_size = st.ms_psize;
    out->used_bytes = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
    out->last_txnid = info.me_last_txnid;
    out->readers = info.me_numreaders;
    out->max_readers = info.me_maxreaders;
    int fd = -1;
    struct stat sb;
    if (mdb_env_get_fd(s->env, &fd) == 0 && fd >= 0 && fstat(fd, &sb) == 0)
        out->file_bytes = (uint64_t)sb.st_size;
    return 0;
}
