/*
 * open — store_open / store_close: the data dir, its format version, start-up and shut-down of
 * the store's modules.  Layer: store (the top of its internals: calls store.c, catalog.c,
 * commit.c and ttl.c; nothing calls it but the public API).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "store/store_int.h"

/* ---- open / close ----------------------------------------------------------------- */

static int st_init_meta(store_t *s, MDB_txn *txn, void *ctx, err_t *e)
{
    (void)ctx;
    MDB_val k = {7, "version"}, v;
    int rc = mdb_get(txn, s->db_meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        unsigned char ver = STORE_FORMAT_VERSION;
        MDB_val d = {1, &ver};
        rc = mdb_put(txn, s->db_meta, &k, &d, 0);
        if (rc == 0)
            rc = st_meta_put_u64(s, txn, "next_tid", 1);
        if (rc == 0)
            rc = st_meta_put_u64(s, txn, "gen", 1);
        return rc;
    }
    if (rc)
        return rc;
    if (v.mv_size != 1 || *(unsigned char *)v.mv_data != STORE_FORMAT_VERSION)
        return err_set(e, ERR_IO, "unsupported data format version %u",
                       v.mv_size ? *(unsigned char *)v.mv_data : 0);
    return 0;
}

int store_open(const char *dir, const store_opts *opts, store_t **out, err_t *e)
{
    *out = NULL;
    store_opts def;
    if (!opts) {
        store_opts_default(&def);
        opts = &def;
    }
    store_t *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(e, ERR_NOMEM, "out of memory");
    s->opts = *opts;
    if (s->opts.ttl_interval_ms <= 0)
        s->opts.ttl_interval_ms = 1000;
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->maplock, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_rwlock_init(&s->catlock, NULL);
    pthread_mutex_init(&s->qmu, NULL);
    pthread_cond_init(&s->qcv, NULL);
    pthread_mutex_init(&s->ttlmu, NULL);
    pthread_cond_init(&s->ttlcv, NULL);

    int rc = 0;
    if (!opts->read_only && mkdir(dir, 0700) != 0 && errno != EEXIST) {
        rc = err_set(e, ERR_IO, "cannot create data dir %s: %s", dir, strerror(errno));
        goto fail;
    }
    rc = mdb_env_create(&s->env);
    if (rc) {
        s->env = NULL;
        rc = st_mdb_err(rc, e);
        goto fail;
    }
    mdb_env_set_maxdbs(s->env, 8);
    mdb_env_set_maxreaders(s->env, 1024);
    size_t map = opts->initial_map ? opts->initial_map : ST_DEFAULT_MAP;
    mdb_env_set_mapsize(s->env, map);
    unsigned flags = MDB_NOTLS | MDB_NORDAHEAD;
    if (!opts->durable)
        flags |= MDB_NOSYNC;
    else
        flags |= MDB_NOMETASYNC; /* the meta page is synced by st_sync_meta before any write
                                    is acknowledged (see st_write_txn_ex) */
    if (opts->read_only)
        flags |= MDB_RDONLY;
    rc = mdb_env_open(s->env, dir, flags, 0600);
    if (rc) {
        rc = err_set(e, ERR_IO, "cannot open data dir %s: %s", dir, mdb_strerror(rc));
        goto fail;
    }
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    s->mapsize = info.me_mapsize;
    s->maxkey = (unsigned)mdb_env_get_maxkeysize(s->env);
    int dead = 0;
    mdb_reader_check(s->env, &dead); /* free reader slots of crashed processes */
    if (dead)
        log_info("store: cleared %d stale LMDB reader slot(s)", dead);

    MDB_txn *txn;
    for (;;) {
        rc = mdb_txn_begin(s->env, NULL, opts->read_only ? MDB_RDONLY : 0, &txn);
        if (rc != MDB_MAP_RESIZED)
            break;
        mdb_env_set_mapsize(s->env, 0);
    }
    if (rc) {
        rc = st_mdb_err(rc, e);
        goto fail;
    }
    unsigned dflags = opts->read_only ? 0 : MDB_CREATE;
    rc = mdb_dbi_open(txn, "meta", dflags, &s->db_meta);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "catalog", dflags, &s->db_cat);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "data", dflags, &s->db_data);
    if (rc) {
        mdb_txn_abort(txn);
        rc = err_set(e, ERR_IO, "cannot open LMDB databases in %s: %s", dir, mdb_strerror(rc));
        goto fail;
    }
    rc = mdb_txn_commit(txn);
    if (rc) {
        rc = st_mdb_err(rc, e);
        goto fail;
    }
    mdb_env_info(s->env, &info);
    s->mapsize = info.me_mapsize;
    if (!opts->read_only) {
        rc = st_write_txn(s, st_init_meta, NULL, e);
        if (rc)
            goto fail;
    }
    rc = st_cat_init(s, e);
    if (rc)
        goto fail;
    if (!opts->read_only) {
        rc = st_commit_start(s, e);
        if (rc)
            goto fail;
        rc = st_cat_finish_pending(s, e);
        if (rc)
            goto fail;
        if (opts->ttl_thread) {
            rc = st_ttl_start(s, e);
            if (rc)
                goto fail;
        }
    }
    *out = s;
    return 0;
fail:
    store_close(s);
    return rc;
}

void store_close(store_t *s)
{
    if (!s)
        return;
    st_ttl_stop(s);
    st_commit_stop(s);
    if (s->env)
        mdb_env_close(s->env);
    st_cat_fini(s);
    pthread_rwlock_destroy(&s->maplock);
    pthread_rwlock_destroy(&s->catlock);
    pthread_mutex_destroy(&s->qmu);
    pthread_cond_destroy(&s->qcv);
    pthread_mutex_destroy(&s->ttlmu);
    pthread_cond_destroy(&s->ttlcv);
    free(s);
}
