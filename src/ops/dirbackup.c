/*
 * dirbackup — hot backup and restore of a whole data dir.  Layer: ops.  See dirbackup.h.
 * Tests: tests/unit/ops/test_dirbackup.c (round trip, damaged files, non-empty targets),
 * tests/e2e/test_backup_cli.py (16 writers during a backup: the restore holds a prefix of
 * the acknowledged writes).
 */
#include "ops/dirbackup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops/ops_int.h"
#include "store/backup.h"
#include "store/store.h"

#define DB_LMDB_DATA "data.mdb"
#define DB_LMDB_LOCK "lock.mdb"
#define DB_MAX_DEPTH 16 /* directory levels under the data dir that are copied */
#define DB_MANIFEST_MAX (16 << 20) /* bytes of ddbchat-backup.json restore reads */

typedef struct db_file {
    char *rel; /* path relative to the data dir */
    unsigned mode;
    uint64_t bytes;
    char sha[OPS_SHA256_HEX];
} db_file;

typedef struct db_list {
    db_file *v;
    size_t n, cap;
} db_list;

static void db_list_fini(db_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].rel);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int db_list_add(db_list *l, const char *rel, unsigned mode, err_t *e)
{
    if (l->n >= OPS_BACKUP_MAX_FILES)
        return err_set(e, ERR_VALIDATION, "more than %d files to back up", OPS_BACKUP_MAX_FILES);
    int rc = ops_grow(&l->v, l->n, &l->cap, sizeof *l->v, 16, e);
    if (rc)
        return rc;
    db_file *f = &l->v[l->n];
    memset(f, 0, sizeof *f);
    f->rel = strdup(rel);
    if (!f->rel)
        return err_set(e, ERR_NOMEM, "out of memory");
    f->mode = mode;
    l->n++;
    return 0;
}

static bool db_skip_name(const char *rel, const char *name)
{
    size_t n = strlen(name);
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return true;
    if (n >= 4 && strcmp(name + n - 4, ".tmp") == 0) /* a write in progress */
        return true;
    if (rel[0] == '\0' && (!strcmp(name, DB_LMDB_DATA) || !strcmp(name, DB_LMDB_LOCK)))
        return true;
    return false;
}

/* Lists the regular files under dir/rel (rel "" = the data dir itself). */
static int db_walk(const char *root, const char *rel, int depth, db_list *out, uint64_t *skipped,
                   err_t *e)
{
    char path[OPS_PATH_MAX];
    int rc = rel[0] ? ops_path_join(path, root, rel, e) : (snprintf(path, sizeof path, "%s", root), 0);
    if (rc)
        return rc;
    DIR *d = opendir(path);
    if (!d) {
        if (errno == ENOENT && rel[0]) /* removed meanwhile */
            return 0;
        return err_set(e, ERR_IO, "cannot read %s: %s", path, strerror(errno));
    }
    struct dirent *de;
    while (rc == 0 && (de = readdir(d))) {
        if (db_skip_name(rel, de->d_name))
            continue;
        char sub[OPS_PATH_MAX], subrel[OPS_PATH_MAX];
        if ((rc = ops_path_join(sub, path, de->d_name, e)))
            break;
        int n = rel[0] ? snprintf(subrel, sizeof subrel, "%s/%s", rel, de->d_name)
                       : snprintf(subrel, sizeof subrel, "%s", de->d_name);
        if (n < 0 || n >= (int)sizeof subrel) {
            rc = err_set(e, ERR_VALIDATION, "path too long under %s", root);
            break;
        }
        struct stat st;
        if (lstat(sub, &st) != 0) {
            if (errno == ENOENT)
                continue;
            rc = err_set(e, ERR_IO, "cannot stat %s: %s", sub, strerror(errno));
            break;
        }
        if (S_ISREG(st.st_mode))
            rc = db_list_add(out, subrel, st.st_mode & 0777, e);
        else if (S_ISDIR(st.st_mode) && depth < DB_MAX_DEPTH)
            rc = db_walk(root, subrel, depth + 1, out, skipped, e);
        else
            (*skipped)++;
    }
    closedir(d);
    return rc;
}

/* Creates the directories leading to dest/rel. */
static int db_mkparents(const char *dest, const char *rel, err_t *e)
{
    const char *slash = strrchr(rel, '/');
    if (!slash)
        return 0;
    char sub[OPS_PATH_MAX], dir[OPS_PATH_MAX];
    snprintf(sub, sizeof sub, "%.*s", (int)(slash - rel), rel);
    int rc = ops_path_join(dir, dest, sub, e);
    return rc ? rc : ops_mkdirs(dir, e);
}

/* fsyncs every directory that received files (deepest first is not needed: each fsync makes
 * that directory's entries durable). */
static int db_fsync_dirs(const char *root, const db_list *l, err_t *e)
{
    int rc = ops_fsync_dir(root, e);
    for (size_t i = 0; rc == 0 && i < l->n; i++) {
        const char *slash = strrchr(l->v[i].rel, '/');
        if (!slash)
            continue;
        char sub[OPS_PATH_MAX], dir[OPS_PATH_MAX];
        snprintf(sub, sizeof sub, "%.*s", (int)(slash - l->v[i].rel), l->v[i].rel);
        rc = ops_path_join(dir, root, sub, e);
        if (rc == 0)
            rc = ops_fsync_dir(dir, e);
    }
    return rc;
}

static json_t *db_manifest(const db_list *l, const char *created, const char *source)
{
    json_t *files = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(files, json_pack("{s:s,s:I,s:s,s:i}", "path", l->v[i].rel, "bytes",
                                               (json_int_t)l->v[i].bytes, "sha256", l->v[i].sha,
                                               "mode", (int)l->v[i].mode));
    return json_pack("{s:s,s:i,s:s,s:s,s:o}", "format", OPS_BACKUP_FORMAT, "version",
                     OPS_BACKUP_VERSION, "created_at", created, "source", source, "files", files);
}

int ops_dir_backup(const char *data_dir, const char *dest, ops_progress_fn progress, void *pctx,
                   ops_dir_result *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    int rc = 0;
    store_t *s = NULL;
    db_list files = {0};
    bool created_dest = false;
    int fd = -1;
    char *text = NULL;
    json_t *man = NULL;

    bool exists = false;
    if (!ops_dir_empty_or_absent(dest, &exists)) {
        rc = err_set(e, ERR_VALIDATION, "%s exists and is not an empty directory", dest);
        goto fail;
    }
    char probe[OPS_PATH_MAX];
    if ((rc = ops_path_join(probe, data_dir, DB_LMDB_DATA, e)))
        goto fail;
    if (access(probe, R_OK) != 0) {
        rc = err_set(e, ERR_VALIDATION, "%s is not a ddbchat data dir (no %s)", data_dir,
                     DB_LMDB_DATA);
        goto fail;
    }
    store_opts so;
    store_opts_default(&so);
    so.read_only = true;
    so.ttl_thread = false;
    if ((rc = store_open(data_dir, &so, &s, e)))
        goto fail;
    if ((rc = ops_mkdirs(dest, e)))
        goto fail;
    created_dest = !exists;
    ops_now_iso(out->created_at);

    /* 1. the LMDB snapshot */
    char path[OPS_PATH_MAX];
    if ((rc = ops_path_join(path, dest, DB_LMDB_DATA, e)))
        goto fail;
    store_env_stats es;
    if (store_env_stats_get(s, &es, e) == 0 && progress)
        progress(pctx, "copying", 0, es.used_bytes);
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = err_set(e, ERR_IO, "cannot create %s: %s", path, strerror(errno));
        goto fail;
    }
    if ((rc = store_env_copy_fd(s, fd, e)))
        goto fail;
    if (fsync(fd) != 0) {
        rc = err_set(e, ERR_IO, "cannot sync %s: %s", path, strerror(errno));
        goto fail;
    }
    close(fd);
    fd = -1;
    store_close(s);
    s = NULL;
    if ((rc = db_list_add(&files, DB_LMDB_DATA, 0600, e)) ||
        (rc = ops_sha256_file(path, files.v[0].sha, &files.v[0].bytes, e)))
        goto fail;
    out->lmdb_bytes = files.v[0].bytes;
    out->bytes = files.v[0].bytes;

    /* 2. every other file */
    db_list rest = {0};
    if ((rc = db_walk(data_dir, "", 0, &rest, &out->skipped, e))) {
        db_list_fini(&rest);
        goto fail;
    }
    uint64_t total = out->bytes;
    for (size_t i = 0; i < rest.n; i++) {
        char src[OPS_PATH_MAX], dst[OPS_PATH_MAX];
        if ((rc = ops_path_join(src, data_dir, rest.v[i].rel, e)) ||
            (rc = ops_path_join(dst, dest, rest.v[i].rel, e)) ||
            (rc = db_mkparents(dest, rest.v[i].rel, e)))
            break;
        rc = ops_copy_file(src, dst, rest.v[i].mode, &rest.v[i].bytes, rest.v[i].sha, e);
        if (rc == ERR_NOT_FOUND) { /* removed meanwhile: not part of the backup */
            err_clear(e);
            unlink(dst);
            rc = 0;
            continue;
        }
        if (rc)
            break;
        if ((rc = db_list_add(&files, rest.v[i].rel, rest.v[i].mode, e)))
            break;
        files.v[files.n - 1].bytes = rest.v[i].bytes;
        memcpy(files.v[files.n - 1].sha, rest.v[i].sha, OPS_SHA256_HEX);
        out->bytes += rest.v[i].bytes;
        total += rest.v[i].bytes;
        if (progress)
            progress(pctx, "copying", out->bytes, 0);
    }
    db_list_fini(&rest);
    if (rc)
        goto fail;
    if ((rc = db_fsync_dirs(dest, &files, e)))
        goto fail;

    /* 3. the manifest, last */
    char abs[OPS_PATH_MAX];
    man = db_manifest(&files, out->created_at, realpath(data_dir, abs) ? abs : data_dir);
    text = man ? json_dumps(man, JSON_INDENT(2)) : NULL;
    if (!text) {
        rc = err_set(e, ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((rc = ops_path_join(path, dest, OPS_BACKUP_MANIFEST, e)) ||
        (rc = ops_write_file_atomic(path, text, strlen(text), e)))
        goto fail;
    out->files = files.n;
    if (progress)
        progress(pctx, "copying", total, total);
fail:
    if (fd >= 0)
        close(fd);
    store_close(s);
    free(text);
    json_decref(man);
    db_list_fini(&files);
    if (rc) {
        if (created_dest)
            ops_rmtree(dest);
    }
    return rc;
}

/* ---- restore ------------------------------------------------------------------------------ */

/* A manifest path must stay inside the backup: relative, no "." / ".." / empty parts. */
static bool db_rel_ok(const char *rel)
{
    if (!rel[0] || rel[0] == '/' || strlen(rel) >= OPS_PATH_MAX / 2)
        return false;
    const char *p = rel;
    while (*p) {
        const char *s = strchr(p, '/');
        size_t n = s ? (size_t)(s - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        p += n;
        if (*p == '/')
            p++;
    }
    return !(strcmp(rel, DB_LMDB_LOCK) == 0);
}

static int db_read_manifest(const char *src, db_list *out, char created[32], err_t *e)
{
    char path[OPS_PATH_MAX];
    int rc = ops_path_join(path, src, OPS_BACKUP_MANIFEST, e);
    if (rc)
        return rc;
    /* ops_read_regular: a FIFO here hung restore for good (a plain open waits for a writer)
     * (test_dirbackup.c::test_fifo_manifest_is_refused) */
    char *text = NULL;
    size_t len = 0;
    err_t re = {0};
    rc = ops_read_regular(path, DB_MANIFEST_MAX, &text, &len, &re);
    if (rc == ERR_NOT_FOUND)
        return err_set(e, ERR_VALIDATION, "%s is not a complete ddbchat backup (no %s)", src,
                       OPS_BACKUP_MANIFEST);
    if (rc)
        return err_set_text(e, rc, re.msg, err_msg_len(&re));
    json_error_t je;
    json_t *m = json_loadb(text, len, 0, &je);
    free(text);
    if (!m)
        return err_set(e, ERR_VALIDATION, "%s: %s (line %d)", path, je.text, je.line);
    const char *fmt = json_string_value(json_object_get(m, "format"));
    json_t *ver = json_object_get(m, "version");
    json_t *files = json_object_get(m, "files");
    const char *ca = json_string_value(json_object_get(m, "created_at"));
    snprintf(created, 32, "%s", ca ? ca : "");
    if (!fmt || strcmp(fmt, OPS_BACKUP_FORMAT) != 0 || !json_is_integer(ver) ||
        !json_is_array(files)) {
        rc = err_set(e, ERR_VALIDATION, "%s is not a ddbchat backup manifest", path);
        goto done;
    }
    if (json_integer_value(ver) != OPS_BACKUP_VERSION) {
        rc = err_set(e, ERR_VALIDATION, "%s: backup format version %lld is not supported", path,
                     (long long)json_integer_value(ver));
        goto done;
    }
    bool have_data = false;
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f) {
        const char *rel = json_string_value(json_object_get(f, "path"));
        const char *sha = json_string_value(json_object_get(f, "sha256"));
        json_t *bytes = json_object_get(f, "bytes"), *mode = json_object_get(f, "mode");
        if (!rel || !db_rel_ok(rel) || !sha || strlen(sha) != OPS_SHA256_HEX - 1 ||
            !json_is_integer(bytes) || json_integer_value(bytes) < 0) {
            rc = err_set(e, ERR_VALIDATION, "%s: entry %zu is malformed", path, i);
            goto done;
        }
        for (size_t j = 0; j < out->n; j++)
            if (strcmp(out->v[j].rel, rel) == 0) {
                rc = err_set(e, ERR_VALIDATION, "%s: %s listed twice", path, rel);
                goto done;
            }
        unsigned md = json_is_integer(mode) ? (unsigned)json_integer_value(mode) & 0777 : 0600;
        if ((rc = db_list_add(out, rel, md | 0600, e)))
            goto done;
        out->v[out->n - 1].bytes = (uint64_t)json_integer_value(bytes);
        memcpy(out->v[out->n - 1].sha, sha, OPS_SHA256_HEX);
        if (strcmp(rel, DB_LMDB_DATA) == 0)
            have_data = true;
    }
    if (!have_data)
        rc = err_set(e, ERR_VALIDATION, "%s lists no %s", path, DB_LMDB_DATA);
done:
    json_decref(m);
    return rc;
}

int ops_dir_restore(const char *src, const char *data_dir, ops_progress_fn progress, void *pctx,
                    ops_dir_result *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    db_list files = {0};
    char stage[OPS_PATH_MAX] = "";
    bool staged = false;
    int rc = db_read_manifest(src, &files, out->created_at, e);
    if (rc)
        goto fail;
    bool exists = false;
    if (!ops_dir_empty_or_absent(data_dir, &exists)) {
        rc = err_set(e, ERR_VALIDATION,
                     "%s exists and is not empty: restore into a new or empty directory", data_dir);
        goto fail;
    }
    uint64_t total = 0, done = 0;
    for (size_t i = 0; i < files.n; i++)
        total += files.v[i].bytes;

    /* 1. every file as the manifest says, before anything is written */
    for (size_t i = 0; i < files.n; i++) {
        char path[OPS_PATH_MAX], sha[OPS_SHA256_HEX];
        uint64_t bytes = 0;
        if ((rc = ops_path_join(path, src, files.v[i].rel, e)))
            goto fail;
        rc = ops_sha256_file(path, sha, &bytes, e);
        if (rc == ERR_NOT_FOUND) {
            err_clear(e);
            rc = err_set(e, ERR_VALIDATION, "the backup is damaged: %s is missing", path);
        }
        if (rc)
            goto fail;
        if (bytes != files.v[i].bytes || strcmp(sha, files.v[i].sha) != 0) {
            rc = err_set(e, ERR_VALIDATION,
                         "the backup is damaged: %s does not match its size and SHA-256 in %s",
                         path, OPS_BACKUP_MANIFEST);
            goto fail;
        }
        done += bytes;
        if (progress)
            progress(pctx, "verifying", done, total);
    }

    /* 2. copy into a staging dir next to the target */
    size_t dl = strlen(data_dir);
    while (dl > 1 && data_dir[dl - 1] == '/')
        dl--;
    int n = snprintf(stage, sizeof stage, "%.*s.restore-%ld", (int)dl, data_dir, (long)getpid());
    if (n < 0 || n >= (int)sizeof stage) {
        rc = err_set(e, ERR_VALIDATION, "path too long: %s", data_dir);
        goto fail;
    }
    ops_rmtree(stage);
    if (mkdir(stage, 0700) != 0) {
        rc = err_set(e, ERR_IO, "cannot create %s: %s", stage, strerror(errno));
        goto fail;
    }
    staged = true;
    done = 0;
    for (size_t i = 0; i < files.n; i++) {
        char from[OPS_PATH_MAX], to[OPS_PATH_MAX], sha[OPS_SHA256_HEX];
        uint64_t bytes = 0;
        if ((rc = ops_path_join(from, src, files.v[i].rel, e)) ||
            (rc = ops_path_join(to, stage, files.v[i].rel, e)) ||
            (rc = db_mkparents(stage, files.v[i].rel, e)) ||
            (rc = ops_copy_file(from, to, files.v[i].mode, &bytes, sha, e)))
            goto fail;
        if (bytes != files.v[i].bytes || strcmp(sha, files.v[i].sha) != 0) {
            rc = err_set(e, ERR_VALIDATION, "%s changed while it was being restored", from);
            goto fail;
        }
        done += bytes;
        out->bytes += bytes;
        if (progress)
            progress(pctx, "restoring", done, total);
    }
    if ((rc = db_fsync_dirs(stage, &files, e)))
        goto fail;

    /* 3. the copy opens as a data dir of this build */
    store_opts so;
    store_opts_default(&so);
    so.ttl_thread = false;
    store_t *s = NULL;
    if ((rc = store_open(stage, &so, &s, e))) {
        err_t in = *e;
        err_clear(e);
        rc = err_set(e, ERR_VALIDATION, "the backup's data does not open: %s", in.msg);
        goto fail;
    }
    store_close(s);

    /* 4. into place */
    if (exists && rmdir(data_dir) != 0) {
        rc = err_set(e, ERR_IO, "cannot replace the empty %s: %s", data_dir, strerror(errno));
        goto fail;
    }
    if (rename(stage, data_dir) != 0) {
        rc = err_set(e, ERR_IO, "cannot rename %s to %s: %s", stage, data_dir, strerror(errno));
        goto fail;
    }
    staged = false;
    char parent[OPS_PATH_MAX];
    snprintf(parent, sizeof parent, "%.*s", (int)dl, data_dir);
    char *slash = strrchr(parent, '/');
    if (slash == parent)
        parent[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(parent, sizeof parent, ".");
    rc = ops_fsync_dir(parent, e);
    out->files = files.n;
fail:
    if (staged)
        ops_rmtree(stage);
    db_list_fini(&files);
    return rc;
}
