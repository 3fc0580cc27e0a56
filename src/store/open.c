/*
 * open — store_open / store_close: the data dir, its format version, start-up and shut-down of
 * the store's modules.  Layer: store (the top of its internals: calls store.c, catalog.c,
 * commit.c, ttl.c and maint.c; nothing calls it but the public API).
 * store_open's steps, each undone by store_close on a failure: st_open_alloc (options,
 * locks) -> st_check_dir -> st_open_env (LMDB environment) -> st_open_dbs (the first
 * transaction: DBs, format, a new dir's records, the secrets of store_opts) -> st_open_format (upgrade, or the read-only
 * check) -> st_open_start (catalog, threads).  Tests: tests/unit/store/test_open.c.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "store/store_int.h"

/* ---- open / close ----------------------------------------------------------------- */

/* ---- the data dir and its format ------------------------------------------------- */

/* Format history (meta "version", one byte):
 *   1  round one.
 *   2  meta "format" = ST_FORMAT_ID names the data dir as ddbchat's.
 *   3  named DB "streams" (stream descriptors and records, stream.c), created at open; the
 *      catalog record may carry stream fields (absent = no stream).
 * st_upgrades[v] takes a data dir from version v to v + 1, inside the open's write txn (all
 * steps in one txn: a crash leaves the old version whole).  read_ok: a build of the newer
 * format may read the older one without upgrading it (read-only opens). */
#define ST_FORMAT_ID "ddbchat"

static int st_put_format_id(store_t *s, MDB_txn *txn)
{
    MDB_val k = {6, "format"}, v = {sizeof ST_FORMAT_ID - 1, ST_FORMAT_ID};
    return mdb_put(txn, s->db_meta, &k, &v, 0);
}

/* The streams DB is created by the open itself (MDB_CREATE): nothing else to do. */
static int st_upgrade_streams(store_t *s, MDB_txn *txn)
{
    (void)s;
    (void)txn;
    return 0;
}

static const struct {
    int (*fn)(store_t *s, MDB_txn *txn);
    bool read_ok;
} st_upgrades[STORE_FORMAT_VERSION] = {
    [1] = {st_put_format_id, true},
    [2] = {st_upgrade_streams, true},
};

/* Before LMDB creates anything: refuse a directory that is not ours.  A directory without
 * data.mdb must be empty but for files ddbchat itself keeps there (the REST API's jwt-secret),
 * dotfiles and a file system's lost+found. */
static int st_check_dir(const char *dir, err_t *e)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return 0; /* created below (or reported by LMDB when read-only) */
    if (!S_ISDIR(st.st_mode))
        return err_set(e, ERR_IO, "data dir %s is not a directory", dir);
    char p[4096];
    int n = snprintf(p, sizeof p, "%s/data.mdb", dir);
    if (n < 0 || (size_t)n >= sizeof p)
        return err_set(e, ERR_IO, "data dir path too long: %s", dir);
    if (access(p, F_OK) == 0)
        return 0;
    DIR *d = opendir(dir);
    if (!d)
        return err_set(e, ERR_IO, "cannot read data dir %s: %s", dir, strerror(errno));
    char other[256] = "";
    struct dirent *de;
    while (!other[0] && (de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        /* data.mdb here was created by another process opening this new directory since
         * the access() above: ours to share, not a foreign file */
        if (nm[0] == '.' || strcmp(nm, "data.mdb") == 0 || strcmp(nm, "lock.mdb") == 0 ||
            strcmp(nm, "jwt-secret") == 0 ||
            strcmp(nm, "lost+found") == 0) /* the root of a new file system */
            continue;
        snprintf(other, sizeof other, "%s", nm);
    }
    closedir(d);
    if (other[0])
        return err_set(e, ERR_IO,
                       "%s is not a ddbchat data dir: it holds other files (%s, ...) and no "
                       "data.mdb; give ddbchat an empty or new directory",
                       dir, other);
    return 0;
}

/* In the first txn, before any DB is created: an LMDB environment of another program has
 * entries in its main DB but no "meta" DB (ours always has one; which other named DBs exist
 * depends on the format version, checked next, so a newer format's extra DBs are reported as
 * a newer format, not as foreign). */
static int st_check_env(MDB_txn *txn, const char *dir, err_t *e)
{
    MDB_dbi main;
    int rc = mdb_dbi_open(txn, NULL, 0, &main);
    MDB_stat ms;
    if (rc == 0)
        rc = mdb_stat(txn, main, &ms);
    if (rc)
        return err_set(e, ERR_IO, "cannot read %s/data.mdb: %s", dir, mdb_strerror(rc));
    if (ms.ms_entries == 0)
        return 0; /* a new environment */
    MDB_val k = {4, "meta"}, v;
    rc = mdb_get(txn, main, &k, &v);
    if (rc == MDB_NOTFOUND)
        return err_set(e, ERR_IO,
                       "%s is not a ddbchat data dir: data.mdb is another program's LMDB "
                       "database",
                       dir);
    if (rc)
        return err_set(e, ERR_IO, "cannot read %s/data.mdb: %s", dir, mdb_strerror(rc));
    return 0;
}

typedef struct fmt_ctx {
    const char *dir;
    unsigned from; /* the version found (0: a new data dir) */
} fmt_ctx;

/* Checks the format of an existing data dir (or finds a new one: *out_ver 0). */
static int st_check_format(store_t *s, MDB_txn *txn, const char *dir, unsigned *out_ver,
                           err_t *e)
{
    *out_ver = 0;
    MDB_val k = {7, "version"}, v;
    int rc = mdb_get(txn, s->db_meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        MDB_stat ms, cs;
        rc = mdb_stat(txn, s->db_meta, &ms);
        if (rc == 0)
            rc = mdb_stat(txn, s->db_cat, &cs);
        if (rc)
            return rc;
        if (ms.ms_entries || cs.ms_entries)
            return err_set(e, ERR_IO, "%s is not a ddbchat data dir: it has no format version",
                           dir);
        return 0; /* new */
    }
    if (rc)
        return rc;
    unsigned ver = v.mv_size == 1 ? *(unsigned char *)v.mv_data : 0;
    if (ver == 0)
        return err_set(e, ERR_IO, "%s is not a ddbchat data dir: unreadable format version", dir);
    if (ver > STORE_FORMAT_VERSION)
        return err_set(e, ERR_IO,
                       "%s was written by a newer ddbchat (data format %u; this build reads "
                       "formats 1 to %u): upgrade ddbchat or use another data dir",
                       dir, ver, (unsigned)STORE_FORMAT_VERSION);
    if (ver >= 2) {
        MDB_val fk = {6, "format"}, fv;
        rc = mdb_get(txn, s->db_meta, &fk, &fv);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
        if (rc || fv.mv_size != sizeof ST_FORMAT_ID - 1 ||
            memcmp(fv.mv_data, ST_FORMAT_ID, fv.mv_size) != 0)
            return err_set(e, ERR_IO, "%s is not a ddbchat data dir: unknown format name", dir);
    }
    *out_ver = ver;
    return 0;
}

/* A new data dir's meta records. */
static int st_init_new(store_t *s, MDB_txn *txn)
{
    MDB_val k = {7, "version"};
    unsigned char cur = STORE_FORMAT_VERSION;
    MDB_val d = {1, &cur};
    int rc = mdb_put(txn, s->db_meta, &k, &d, 0);
    if (rc == 0)
        rc = st_put_format_id(s, txn);
    if (rc == 0)
        rc = st_meta_put_u64(s, txn, "next_tid", 1);
    if (rc == 0)
        rc = st_meta_put_u64(s, txn, "gen", 1);
    return rc;
}

static int st_init_meta(store_t *s, MDB_txn *txn, void *ctx, err_t *e)
{
    fmt_ctx *f = ctx;
    unsigned ver;
    int rc = st_check_format(s, txn, f->dir, &ver, e);
    if (rc)
        return rc;
    f->from = ver;
    MDB_val k = {7, "version"};
    unsigned char cur = STORE_FORMAT_VERSION;
    MDB_val d = {1, &cur};
    if (ver == 0)
        return st_init_new(s, txn);
    for (unsigned v = ver; rc == 0 && v < STORE_FORMAT_VERSION; v++)
        rc = st_upgrades[v].fn(s, txn);
    if (rc == 0 && ver < STORE_FORMAT_VERSION)
        rc = mdb_put(txn, s->db_meta, &k, &d, 0);
    return rc;
}

/* A read-only open checks the format without changing it. */
static int st_check_readonly(store_t *s, const char *dir, err_t *e)
{
    MDB_txn *txn;
    int rc = st_rtxn_begin(s, &txn);
    if (rc)
        return st_mdb_err(rc, e);
    unsigned ver;
    rc = st_check_format(s, txn, dir, &ver, e);
    st_rtxn_end(s, txn);
    if (rc)
        return st_mdb_err(rc, e);
    for (unsigned v = ver; v && v < STORE_FORMAT_VERSION; v++)
        if (!st_upgrades[v].read_ok)
            return err_set(e, ERR_IO,
                           "%s has data format %u: open it once without read-only access to "
                           "upgrade it to format %u",
                           dir, ver, (unsigned)STORE_FORMAT_VERSION);
    return 0;
}

/* A store not yet open: the options with their defaults filled in, the locks, the write
 * buffers, the change and lag state.  NULL when out of memory. */
static store_t *st_open_alloc(const store_opts *opts)
{
    store_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->opts = *opts;
    buf_init(&s->wb_item, 0);
    buf_init(&s->wb_ikey, 0);
    buf_init(&s->wb_ival, 0);
    if (s->opts.ttl_interval_ms <= 0)
        s->opts.ttl_interval_ms = 1000;
    if (s->opts.stream_retention_ms <= 0)
        s->opts.stream_retention_ms = ST_STREAM_RETENTION_MS;
    if (s->opts.stream_shard_ms <= 0)
        s->opts.stream_shard_ms = ST_STREAM_SHARD_MS;
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->maplock, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_rwlock_init(&s->catlock, NULL);
    pthread_mutex_init(&s->qmu, NULL);
    pthread_mutex_init(&s->rpmu, NULL);
    pthread_cond_init(&s->qcv, NULL);
    pthread_cond_init(&s->durcv, NULL);
    pthread_cond_init(&s->ccv, NULL);
    pthread_mutex_init(&s->pitr.clkmu, NULL);
    pthread_mutex_init(&s->badmu, NULL);
    s->readers_check = mdb_reader_check;
    st_thread_init(&s->ttl);
    st_thread_init(&s->work);
    st_change_init(s);
    st_lag_init(s);
    return s;
}

/* The LMDB environment on dir (created unless read-only): its limits, map and flags (durable:
 * the meta page synced by st_sync_meta), the map's size and key limit, stale reader slots
 * freed. */
static int st_open_env(store_t *s, const char *dir, err_t *e)
{
    const store_opts *opts = &s->opts;
    if (!opts->read_only && mkdir(dir, 0700) != 0 && errno != EEXIST)
        return err_set(e, ERR_IO, "cannot create data dir %s: %s", dir, strerror(errno));
    int rc = mdb_env_create(&s->env);
    if (rc) {
        s->env = NULL;
        return st_mdb_err(rc, e);
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
    if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
        return err_set(e, ERR_IO, "%s is not a ddbchat data dir: %s/data.mdb is not an LMDB file "
                       "of this LMDB version (%s)", dir, dir, mdb_strerror(rc));
    if (rc)
        return err_set(e, ERR_IO, "cannot open data dir %s: %s", dir, mdb_strerror(rc));
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    s->mapsize = info.me_mapsize;
    s->maxkey = (unsigned)mdb_env_get_maxkeysize(s->env);
    int major = 0, minor = 0;
    mdb_version(&major, &minor, NULL);
    s->map_yield_ok = major == 0 && minor == 9; /* st_map_yield_wanted: 0.9's internals */
    int dead = 0;
    int crc = mdb_reader_check(s->env, &dead); /* free reader slots of crashed processes */
    if (crc)
        log_warn("store: the check for LMDB reader slots of exited processes failed: %s",
                 mdb_strerror(crc));
    else if (dead)
        log_info("store: cleared %d stale LMDB reader slot(s)", dead);
    return 0;
}

/* The open's first transaction: the environment checked, the named DBs opened (created
 * unless read-only), the format checked and a new data dir initialised (*ver 0 then; else
 * the dir's version, STORE_FORMAT_VERSION when read-only), committed. */
static int st_open_dbs(store_t *s, const char *dir, unsigned *ver, err_t *e)
{
    const store_opts *opts = &s->opts;
    MDB_txn *txn;
    int rc;
    for (;;) {
        rc = mdb_txn_begin(s->env, NULL, opts->read_only ? MDB_RDONLY : 0, &txn);
        if (rc != MDB_MAP_RESIZED)
            break;
        mdb_env_set_mapsize(s->env, 0);
    }
    if (rc)
        return st_mdb_err(rc, e);
    rc = st_check_env(txn, dir, e);
    if (rc) {
        mdb_txn_abort(txn);
        return rc;
    }
    unsigned dflags = opts->read_only ? 0 : MDB_CREATE;
    rc = mdb_dbi_open(txn, "meta", dflags, &s->db_meta);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "catalog", dflags, &s->db_cat);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "data", dflags, &s->db_data);
    if (rc == 0) { /* from format 3; a read-only open of an older dir has none */
        rc = mdb_dbi_open(txn, "streams", dflags, &s->db_streams);
        if (rc == MDB_NOTFOUND && opts->read_only) {
            s->db_streams = 0;
            rc = 0;
        }
    }
    if (rc) {
        mdb_txn_abort(txn);
        return err_set(e, ERR_IO, "cannot open LMDB databases in %s: %s", dir, mdb_strerror(rc));
    }
    /* A new data dir gets its meta records in this same transaction: one synced commit
     * instead of three (the start-up of a fresh server, issue 13.4).  Its meta page is left
     * to the first write's sync, as MDB_NOMETASYNC does for every commit: a system crash
     * before then undoes the whole initialisation, which the next open does again. */
    *ver = STORE_FORMAT_VERSION;
    if (!opts->read_only) {
        rc = st_check_format(s, txn, dir, ver, e);
        if (rc == 0 && *ver == 0)
            rc = st_init_new(s, txn);
        /* the secrets the caller will ask for: in this commit too (an existing dir has them:
         * nothing written, and a txn with nothing written commits without a sync) */
        for (size_t i = 0; rc == 0 && i < opts->nsecrets; i++)
            rc = st_secret_make(s, txn, &opts->secrets[i], e);
        if (rc) {
            mdb_txn_abort(txn);
            return st_mdb_err(rc, e);
        }
    }
    st_pitr_seed(s, txn);
    rc = mdb_txn_commit(txn);
    if (rc)
        return st_mdb_err(rc, e);
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    s->mapsize = info.me_mapsize;
    return 0;
}

/* After the first transaction: an older format upgraded (its own write transaction), or a
 * read-only open checked against this build. */
static int st_open_format(store_t *s, const char *dir, unsigned ver, err_t *e)
{
    if (!s->opts.read_only && ver && ver < STORE_FORMAT_VERSION) {
        fmt_ctx fc = {.dir = dir};
        int rc = st_write_txn(s, st_init_meta, &fc, e);
        if (rc)
            return rc;
        if (fc.from && fc.from < STORE_FORMAT_VERSION)
            log_info("store: data dir %s upgraded from format %u to %u", dir, fc.from,
                     (unsigned)STORE_FORMAT_VERSION);
    } else if (s->opts.read_only) {
        return st_check_readonly(s, dir, e);
    }
    return 0;
}

/* The catalog; unless read-only, the group committer, the maintenance thread, the work a
 * crash or a close interrupted, the TTL thread (opts->ttl_thread). */
static int st_open_start(store_t *s, err_t *e)
{
    int rc = st_cat_init(s, e);
    if (rc)
        return rc;
    if (!s->opts.read_only) {
        rc = st_commit_start(s, e);
        if (rc)
            return rc;
        rc = st_maint_start(s, e);
        if (rc)
            return rc;
        /* work a crash or a close interrupted (removals, backfills): the maintenance thread
         * does it, so that opening does not wait for a large backfill */
        st_work_start(s);
        if (s->opts.ttl_thread) {
            rc = st_ttl_start(s, e);
            if (rc)
                return rc;
        }
    }
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
    store_t *s = st_open_alloc(opts);
    if (!s)
        return err_set(e, ERR_NOMEM, "out of memory");

    /* a file-size limit (RLIMIT_FSIZE) must fail the write that crosses it (EFBIG, answered as
     * a storage error), not kill the process; a handler the program set is left alone */
    struct sigaction sa;
    if (sigaction(SIGXFSZ, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
        signal(SIGXFSZ, SIG_IGN);
    unsigned ver;
    int rc;
    if ((rc = st_check_dir(dir, e)) || (rc = st_open_env(s, dir, e)) ||
        (rc = st_open_dbs(s, dir, &ver, e)) || (rc = st_open_format(s, dir, ver, e)) ||
        (rc = st_open_start(s, e))) {
        store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void store_close(store_t *s)
{
    if (!s)
        return;
    st_ttl_stop(s);
    st_maint_stop(s);
    st_commit_stop(s);
    if (s->env) {
        st_rpool_drain(s);
        mdb_env_close(s->env);
    }
    st_cat_fini(s);
    pthread_rwlock_destroy(&s->maplock);
    pthread_rwlock_destroy(&s->catlock);
    pthread_mutex_destroy(&s->qmu);
    pthread_mutex_destroy(&s->rpmu);
    pthread_cond_destroy(&s->qcv);
    pthread_cond_destroy(&s->durcv);
    pthread_cond_destroy(&s->ccv);
    pthread_mutex_destroy(&s->pitr.clkmu);
    pthread_mutex_destroy(&s->badmu);
    st_thread_fini(&s->ttl);
    st_thread_fini(&s->work);
    st_change_fini(s);
    st_lag_fini(s);
    buf_fini(&s->wb_item);
    buf_fini(&s->wb_ikey);
    buf_fini(&s->wb_ival);
    free(s->pv_marked);
    free(s);
}
