/*
 * backup — LMDB's compacting copy of the environment, and its vital signs.  Layer: store.
 * See backup.h.  Used by `ddbchat backup` (ops/dirbackup.c) and the metrics.
 * http://www.lmdb.tech/doc/group__mdb.html#ga5d51d6130325f7353db0955dbedbc378 (mdb_env_copy2)
 */
#include "store/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "store/store_int.h"

/* Grow the map before a copy when more than NUM/DEN of it is in use: writes during the copy
 * then have at least half the map. */
#define ST_COPY_HEADROOM_NUM 1
#define ST_COPY_HEADROOM_DEN 2
#define ST_COPY_ATTEMPTS 8 /* MDB_MAP_RESIZED by another process, then retried */
#define ST_DUMP_MAGIC "DDBDUMP1"
#define ST_DUMP_VERSION 1
#define ST_DUMP_END 0xFFFFFFFFu
#define ST_DUMP_IOBUF (1 << 20)
#define ST_BK_LIST_MAX 100000 /* files listed under backups/ */

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
    st_map_wrlock(s);
    if (mdb_env_info(s->env, &info) == 0 && mdb_env_stat(s->env, &st) == 0) {
        uint64_t used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
        if (used * ST_COPY_HEADROOM_DEN > (uint64_t)s->mapsize * ST_COPY_HEADROOM_NUM) {
            st_rpool_release(s, true); /* no snapshot of this process kept across the remap */
            rc = st_map_resize(s, s->mapsize * 2);
            if (rc == 0)
                log_info("store: map grown to %zu bytes before a copy", s->mapsize);
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
    int rc = st_env_info(s, &info, &st);
    if (rc)
        return st_mdb_err(rc, e);
    out->map_bytes = info.me_mapsize;
    out->page_size = st.ms_psize;
    out->used_bytes = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
    out->last_txnid = info.me_last_txnid;
    out->readers = info.me_numreaders;
    out->max_readers = info.me_maxreaders;
    out->oldest_snapshot_ms = atomic_load(&s->snap_age_ms);
    out->oldest_snapshot_pid = atomic_load(&s->snap_pid);
    int fd = -1;
    struct stat sb;
    if (mdb_env_get_fd(s->env, &fd) == 0 && fd >= 0 && fstat(fd, &sb) == 0)
        out->file_bytes = (uint64_t)sb.st_size;
    return 0;
}

/* ---- group-commit histograms (store_commit_stats) ----------------------------------------- */

const uint64_t store_sync_bounds_us[STORE_SYNC_BUCKETS - 1] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 1000000};

void st_stats_note_round(store_commit_stats *cs, uint64_t writes, int64_t sync_us)
{
    int b = 0;
    while (b < STORE_BATCH_BUCKETS - 1 && writes > ((uint64_t)1 << b))
        b++;
    cs->batch_hist[b]++;
    if (sync_us < 0)
        return;
    int k = 0;
    while (k < STORE_SYNC_BUCKETS - 1 && (uint64_t)sync_us > store_sync_bounds_us[k])
        k++;
    cs->sync_hist[k]++;
    cs->syncs++;
    cs->sync_us += (uint64_t)sync_us;
}

/* ---- one table as of one snapshot ------------------------------------------------------- */

int store_table_snapshot(store_t *s, const store_table *t, store_snap_started_fn started,
                         store_item_fn fn, void *ctx, err_t *e)
{
    int rc = bk_headroom(s, e);
    if (rc)
        return rc;
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    arena_t a;
    arena_init(&a);
    rc = st_rtxn_begin(s, &txn);
    if (rc) {
        rc = st_mdb_err(rc, e);
        goto done;
    }
    uint64_t count, bytes;
    st_cnt_get(s, txn, t->id, 0, &count, &bytes); /* 0, 0 when absent or unreadable */
    if (started)
        started(ctx, count, bytes);
    rc = mdb_cursor_open(txn, s->db_data, &cur);
    if (rc) {
        rc = st_mdb_err(rc, e);
        goto done;
    }
    unsigned char pre[ST_PREFIX_LEN];
    st_prefix5(pre, t->id, 0);
    MDB_val k = {sizeof pre, pre}, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (mrc == 0 && k.mv_size >= sizeof pre && memcmp(k.mv_data, pre, sizeof pre) == 0) {
        av_t item;
        if ((rc = st_decode(&a, &v, &item, e)))
            goto done;
        if ((rc = fn(ctx, &item, e)))
            goto done;
        arena_reset(&a);
        /* a write waits to grow the map (or to adopt another process's growth), which
         * cannot happen while this thread's txn holds maplock: it is let in between two
         * items, the snapshot kept.  Before, the growth (and with it every request of the
         * server, maplock preferring its writer) waited for the whole backup or export
         * (test_backup.c test_snapshot_lets_the_map_grow). */
        mrc = st_cursor_next_yielding(s, txn, s->db_data, &cur, &k, &v);
    }
    if (mrc != MDB_NOTFOUND && mrc != 0)
        rc = st_mdb_err(mrc, e);
done:
    if (cur)
        mdb_cursor_close(cur);
    st_rtxn_end(s, txn);
    arena_fini(&a);
    return rc;
}

/* ---- dump files ------------------------------------------------------------------------ */

struct store_dump {
    FILE *f;
    char *path, *tmp;
    bool writing;
    uint64_t count, bytes, hash;
    buf_t rec;
    char *hdr;
    size_t hdr_len;
};

#define ST_FNV_OFFSET 1469598103934665603ULL
#define ST_FNV_PRIME 1099511628211ULL

static uint64_t bk_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= ST_FNV_PRIME;
    }
    return h;
}

static void bk_dump_free(store_dump *d)
{
    if (!d)
        return;
    if (d->f)
        fclose(d->f);
    buf_fini(&d->rec);
    free(d->path);
    free(d->tmp);
    free(d->hdr);
    free(d);
}

int store_dump_create(const char *path, const void *hdr, size_t hdr_len, store_dump **out,
                      err_t *e)
{
    *out = NULL;
    if (hdr_len > STORE_DUMP_MAX_HEADER)
        return err_set(e, ERR_VALIDATION, "dump header too large");
    store_dump *d = calloc(1, sizeof *d);
    if (!d)
        return err_set(e, ERR_NOMEM, "out of memory");
    buf_init(&d->rec, STORE_DUMP_MAX_RECORD);
    d->writing = true;
    d->hash = ST_FNV_OFFSET;
    d->path = strdup(path);
    size_t pl = strlen(path);
    d->tmp = malloc(pl + 5);
    if (!d->path || !d->tmp) {
        bk_dump_free(d);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    memcpy(d->tmp, path, pl);
    memcpy(d->tmp + pl, ".tmp", 5);
    int fd = open(d->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    d->f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!d->f) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        bk_dump_free(d);
        return err_set(e, ERR_IO, "cannot create %s.tmp: %s", path, strerror(err));
    }
    setvbuf(d->f, NULL, _IOFBF, ST_DUMP_IOBUF);
    unsigned char head[13];
    memcpy(head, ST_DUMP_MAGIC, 8);
    head[8] = ST_DUMP_VERSION;
    base_le_put(head + 9, (uint32_t)hdr_len, 4);
    if (fwrite(head, 1, sizeof head, d->f) != sizeof head ||
        (hdr_len && fwrite(hdr, 1, hdr_len, d->f) != hdr_len)) {
        store_dump_abort(d);
        return err_set(e, ERR_IO, "cannot write %s.tmp: %s", path, strerror(errno));
    }
    *out = d;
    return 0;
}

int store_dump_add(store_dump *d, const av_t *item, err_t *e)
{
    buf_reset(&d->rec);
    if (av_encode(item, &d->rec) != 0)
        return err_set(e, ERR_NOMEM, "cannot encode an item for the dump");
    unsigned char len[4];
    base_le_put(len, (uint32_t)d->rec.len, 4);
    if (fwrite(len, 1, 4, d->f) != 4 || fwrite(d->rec.data, 1, d->rec.len, d->f) != d->rec.len)
        return err_set(e, ERR_IO, "cannot write %s: %s", d->tmp, strerror(errno));
    d->hash = bk_fnv(d->hash, d->rec.data, d->rec.len);
    d->count++;
    d->bytes += d->rec.len;
    return 0;
}

int store_dump_finish(store_dump *d, uint64_t *out_count, uint64_t *out_bytes, err_t *e)
{
    unsigned char tail[28];
    base_le_put(tail, ST_DUMP_END, 4);
    base_le_put(tail + 4, d->count, 8);
    base_le_put(tail + 12, d->bytes, 8);
    base_le_put(tail + 20, d->hash, 8);
    int rc = 0;
    if (fwrite(tail, 1, sizeof tail, d->f) != sizeof tail || fflush(d->f) != 0 ||
        fsync(fileno(d->f)) != 0)
        rc = err_set(e, ERR_IO, "cannot write %s: %s", d->tmp, strerror(errno));
    if (fclose(d->f) != 0 && rc == 0)
        rc = err_set(e, ERR_IO, "cannot write %s: %s", d->tmp, strerror(errno));
    d->f = NULL;
    if (rc == 0 && rename(d->tmp, d->path) != 0)
        rc = err_set(e, ERR_IO, "cannot rename %s: %s", d->tmp, strerror(errno));
    if (rc == 0) {
        /* the rename is durable once the directory is synced */
        char *slash = strrchr(d->path, '/');
        if (slash) {
            *slash = '\0';
            int dfd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            *slash = '/';
            if (dfd < 0 || fsync(dfd) != 0)
                rc = err_set(e, ERR_IO, "cannot sync the directory of %s", d->path);
            if (dfd >= 0)
                close(dfd);
        }
    }
    if (rc)
        unlink(d->tmp);
    if (out_count)
        *out_count = d->count;
    if (out_bytes)
        *out_bytes = d->bytes;
    bk_dump_free(d);
    return rc;
}

void store_dump_abort(store_dump *d)
{
    if (!d)
        return;
    if (d->f)
        fclose(d->f);
    d->f = NULL;
    if (d->writing)
        unlink(d->tmp);
    bk_dump_free(d);
}

int store_dump_open(const char *path, store_dump **out, const char **hdr, size_t *hdr_len,
                    err_t *e)
{
    *out = NULL;
    store_dump *d = calloc(1, sizeof *d);
    if (!d)
        return err_set(e, ERR_NOMEM, "out of memory");
    buf_init(&d->rec, STORE_DUMP_MAX_RECORD);
    d->hash = ST_FNV_OFFSET;
    d->f = fopen(path, "rbe");
    if (!d->f) {
        int err = errno;
        bk_dump_free(d);
        return err_set(e, err == ENOENT ? ERR_NOT_FOUND : ERR_IO, "cannot open %s: %s", path,
                       strerror(err));
    }
    setvbuf(d->f, NULL, _IOFBF, ST_DUMP_IOBUF);
    unsigned char head[13];
    if (fread(head, 1, sizeof head, d->f) != sizeof head || memcmp(head, ST_DUMP_MAGIC, 8) != 0 ||
        head[8] != ST_DUMP_VERSION) {
        bk_dump_free(d);
        return err_set(e, ERR_IO, "%s is not a dump this build reads", path);
    }
    d->hdr_len = (uint32_t)base_le_get(head + 9, 4);
    if (d->hdr_len > STORE_DUMP_MAX_HEADER) {
        bk_dump_free(d);
        return err_set(e, ERR_IO, "%s: damaged header", path);
    }
    d->hdr = malloc(d->hdr_len + 1);
    if (!d->hdr || fread(d->hdr, 1, d->hdr_len, d->f) != d->hdr_len) {
        bk_dump_free(d);
        return err_set(e, ERR_IO, "%s: truncated header", path);
    }
    d->hdr[d->hdr_len] = '\0';
    d->path = strdup(path);
    if (!d->path) {
        bk_dump_free(d);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    *hdr = d->hdr;
    *hdr_len = d->hdr_len;
    *out = d;
    return 0;
}

int store_dump_next(store_dump *d, arena_t *a, av_t *out_item, bool *end, err_t *e)
{
    *end = false;
    unsigned char len[4];
    if (fread(len, 1, 4, d->f) != 4)
        return err_set(e, ERR_IO, "%s is truncated", d->path);
    uint32_t n = (uint32_t)base_le_get(len, 4);
    if (n == ST_DUMP_END) {
        unsigned char tail[24];
        if (fread(tail, 1, sizeof tail, d->f) != sizeof tail)
            return err_set(e, ERR_IO, "%s is truncated", d->path);
        if (base_le_get(tail, 8) != d->count || base_le_get(tail + 8, 8) != d->bytes ||
            base_le_get(tail + 16, 8) != d->hash)
            return err_set(e, ERR_IO, "%s is damaged (its checksum does not match)", d->path);
        *end = true;
        return 0;
    }
    if (n > STORE_DUMP_MAX_RECORD)
        return err_set(e, ERR_IO, "%s is damaged (a record of %u bytes)", d->path, n);
    void *p = arena_alloc(a, n ? n : 1);
    if (!p)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (fread(p, 1, n, d->f) != n)
        return err_set(e, ERR_IO, "%s is truncated", d->path);
    d->hash = bk_fnv(d->hash, p, n);
    d->count++;
    d->bytes += n;
    if (av_decode(p, n, a, out_item) != 0 || out_item->type != AV_M)
        return err_set(e, ERR_IO, "%s is damaged (an item does not decode)", d->path);
    return 0;
}

void store_dump_close(store_dump *d)
{
    bk_dump_free(d);
}

/* ---- files under backups/ ---------------------------------------------------------------- */

static bool bk_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= STORE_BK_NAME_MAX || name[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

int store_bk_path(store_t *s, const char *name, char *out, size_t cap, err_t *e)
{
    if (!bk_name_ok(name))
        return err_set(e, ERR_VALIDATION, "invalid backup file name");
    int n = snprintf(out, cap, "%s/%s", store_dir(s), STORE_BK_DIR);
    if (n < 0 || (size_t)n >= cap)
        return err_set(e, ERR_IO, "data dir path too long");
    if (mkdir(out, 0700) != 0 && errno != EEXIST)
        return err_set(e, ERR_IO, "cannot create %s: %s", out, strerror(errno));
    n = snprintf(out, cap, "%s/%s/%s", store_dir(s), STORE_BK_DIR, name);
    if (n < 0 || (size_t)n >= cap)
        return err_set(e, ERR_IO, "data dir path too long");
    return 0;
}

int store_bk_write(store_t *s, const char *name, const void *data, size_t len, err_t *e)
{
    char path[4096], tmp[4112];
    int rc = store_bk_path(s, name, path, sizeof path, e);
    if (rc)
        return rc;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    const unsigned char *p = data;
    size_t left = len;
    while (left && rc == 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = err_set(e, ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
        else {
            p += w;
            left -= (size_t)w;
        }
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = err_set(e, ERR_IO, "cannot sync %s: %s", tmp, strerror(errno));
    close(fd);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = err_set(e, ERR_IO, "cannot rename %s: %s", tmp, strerror(errno));
    if (rc) {
        unlink(tmp);
        return rc;
    }
    char *slash = strrchr(path, '/');
    *slash = '\0';
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0)
        rc = err_set(e, ERR_IO, "cannot sync %s", path);
    if (dfd >= 0)
        close(dfd);
    return rc;
}

int store_bk_read(store_t *s, const char *name, arena_t *a, char **out, size_t *out_len,
                  err_t *e)
{
    char path[4096];
    int rc = store_bk_path(s, name, path, sizeof path, e);
    if (rc)
        return rc;
    FILE *f = fopen(path, "rbe");
    if (!f)
        return err_set(e, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "cannot open %s: %s", path,
                       strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size > STORE_DUMP_MAX_HEADER) {
        fclose(f);
        return err_set(e, ERR_IO, "cannot read %s", path);
    }
    char *buf = arena_alloc(a, (size_t)st.st_size + 1);
    if (!buf) {
        fclose(f);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    if (n != (size_t)st.st_size)
        return err_set(e, ERR_IO, "cannot read %s", path);
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return 0;
}

static int bk_cmp_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

int store_bk_list(store_t *s, const char *suffix, arena_t *a, char ***out, size_t *out_n,
                  err_t *e)
{
    *out = NULL;
    *out_n = 0;
    char dir[4096];
    int n = snprintf(dir, sizeof dir, "%s/%s", store_dir(s), STORE_BK_DIR);
    if (n < 0 || (size_t)n >= sizeof dir)
        return err_set(e, ERR_IO, "data dir path too long");
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : err_set(e, ERR_IO, "cannot read %s: %s", dir, strerror(errno));
    size_t cap = 16, cnt = 0;
    char **v = arena_alloc(a, cap * sizeof *v);
    size_t sl = strlen(suffix);
    struct dirent *de;
    int rc = 0;
    while (v && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (!bk_name_ok(de->d_name) || l <= sl || strcmp(de->d_name + l - sl, suffix) != 0)
            continue;
        if (cnt == ST_BK_LIST_MAX)
            break;
        if (cnt == cap) {
            v = arena_grow(a, v, cap, cap * 2, sizeof *v);
            cap *= 2;
            if (!v)
                break;
        }
        v[cnt] = arena_strdup(a, de->d_name);
        if (!v[cnt]) {
            v = NULL;
            break;
        }
        cnt++;
    }
    closedir(d);
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    qsort(v, cnt, sizeof *v, bk_cmp_name);
    *out = v;
    *out_n = cnt;
    return rc;
}

int store_bk_remove(store_t *s, const char *name, err_t *e)
{
    char path[4096];
    int rc = store_bk_path(s, name, path, sizeof path, e);
    if (rc)
        return rc;
    if (unlink(path) != 0 && errno != ENOENT)
        return err_set(e, ERR_IO, "cannot remove %s: %s", path, strerror(errno));
    return 0;
}

int store_bk_lock(store_t *s, const char *name, bool wait, int *out_fd, err_t *e)
{
    *out_fd = -1;
    char path[4096];
    int rc = store_bk_path(s, name, path, sizeof path, e);
    if (rc)
        return rc;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, ERR_IO, "cannot open %s: %s", path, strerror(errno));
    int r;
    while ((r = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) != 0 && errno == EINTR)
        ;
    if (r != 0) {
        int err = errno;
        close(fd);
        if (!wait && err == EWOULDBLOCK)
            return 0;
        return err_set(e, ERR_IO, "cannot lock %s: %s", path, strerror(err));
    }
    *out_fd = fd;
    return 0;
}

void store_bk_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}
