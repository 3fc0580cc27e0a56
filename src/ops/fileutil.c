/*
 * fileutil — paths, durable file writes, copies with checksums.  Layer: ops.  See ops_int.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h> /* types only: libcrypto is opened on first use */

#include "base/b64.h"

#include "ops/ops_int.h"

#include "base/dynlib.h"

#define OPS_COPY_CHUNK (1 << 20)
#define OPS_RMTREE_DEPTH 64

int ops_grow(void *pv, size_t n, size_t *cap, size_t elem_size, size_t first, err_t *e)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : first;
    void *v;
    memcpy(&v, pv, sizeof v); /* pv: a T ** of any element type T */
    void *nv = nc > *cap && nc <= SIZE_MAX / elem_size ? realloc(v, nc * elem_size) : NULL;
    if (!nv)
        return err_set(e, ERR_NOMEM, "out of memory");
    memcpy(pv, &nv, sizeof nv);
    *cap = nc;
    return 0;
}

int ops_path_join(char *out, const char *dir, const char *name, err_t *e)
{
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    int n = snprintf(out, OPS_PATH_MAX, "%.*s/%s", (int)dl, dir, name);
    if (n < 0 || n >= OPS_PATH_MAX)
        return err_set(e, ERR_VALIDATION, "path too long: %s/%s", dir, name);
    return 0;
}

bool ops_dir_empty_or_absent(const char *path, bool *exists)
{
    *exists = false;
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT;
    *exists = true;
    if (!S_ISDIR(st.st_mode))
        return false;
    DIR *d = opendir(path);
    if (!d)
        return false;
    bool empty = true;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            empty = false;
            break;
        }
    }
    closedir(d);
    return empty;
}

int ops_mkdirs(const char *path, err_t *e)
{
    char p[OPS_PATH_MAX];
    int n = snprintf(p, sizeof p, "%s", path);
    if (n < 0 || n >= (int)sizeof p)
        return err_set(e, ERR_VALIDATION, "path too long: %s", path);
    for (char *c = p + 1; *c; c++) {
        if (*c != '/')
            continue;
        *c = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            return err_set(e, ERR_IO, "cannot create %s: %s", p, strerror(errno));
        *c = '/';
    }
    if (mkdir(p, 0700) != 0 && errno != EEXIST)
        return err_set(e, ERR_IO, "cannot create %s: %s", p, strerror(errno));
    return 0;
}

int ops_fsync_dir(const char *path, err_t *e)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, ERR_IO, "cannot open %s: %s", path, strerror(errno));
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    if (rc != 0)
        return err_set(e, ERR_IO, "cannot sync %s: %s", path, strerror(err));
    return 0;
}

static void ops_hex(const unsigned char *d, size_t n, char *out)
{
    static const char hexd[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexd[d[i] >> 4];
        out[2 * i + 1] = hexd[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static bool ops_write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* ---- digests over libcrypto, opened on first use ---------------------------------------- */

static struct {
    EVP_MD_CTX *(*ctx_new)(void);
    void (*ctx_free)(EVP_MD_CTX *ctx);
    int (*init)(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl);
    int (*update)(EVP_MD_CTX *ctx, const void *d, size_t n);
    int (*final)(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s);
    const EVP_MD *(*sha256)(void);
    const EVP_MD *(*md5)(void);
} ops_ssl;
static pthread_once_t ops_ssl_once = PTHREAD_ONCE_INIT;
static char ops_ssl_error[256] = "libcrypto not loaded"; /* "" once usable */

static void ops_ssl_load(void)
{
    const dynlib_sym syms[] = {
        {"EVP_MD_CTX_new", &ops_ssl.ctx_new},   {"EVP_MD_CTX_free", &ops_ssl.ctx_free},
        {"EVP_DigestInit_ex", &ops_ssl.init},   {"EVP_DigestUpdate", &ops_ssl.update},
        {"EVP_DigestFinal_ex", &ops_ssl.final}, {"EVP_sha256", &ops_ssl.sha256},
        {"EVP_md5", &ops_ssl.md5},
    };
    char why[sizeof ops_ssl_error];
    if (dynlib_open("libcrypto.so.3", syms, sizeof syms / sizeof syms[0], why, sizeof why)) {
        memcpy(ops_ssl_error, why, sizeof why);
        return;
    }
    ops_ssl_error[0] = '\0';
}

int ops_md_new(ops_md_kind kind, ops_md **out, err_t *e)
{
    *out = NULL;
    pthread_once(&ops_ssl_once, ops_ssl_load);
    if (ops_ssl_error[0])
        return err_set(e, ERR_INTERNAL, "cannot compute a checksum: %s", ops_ssl_error);
    EVP_MD_CTX *c = ops_ssl.ctx_new();
    if (!c || ops_ssl.init(c, kind == OPS_MD_MD5 ? ops_ssl.md5() : ops_ssl.sha256(), NULL) != 1) {
        if (c)
            ops_ssl.ctx_free(c);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    *out = (ops_md *)c;
    return 0;
}

void ops_md_update(ops_md *m, const void *data, size_t n)
{
    ops_ssl.update((EVP_MD_CTX *)m, data, n);
}

unsigned ops_md_final(ops_md *m, unsigned char out[OPS_MD_MAX])
{
    unsigned n = 0;
    if (ops_ssl.final((EVP_MD_CTX *)m, out, &n) != 1)
        return 0;
    return n;
}

void ops_md_free(ops_md *m)
{
    if (m)
        ops_ssl.ctx_free((EVP_MD_CTX *)m);
}

void ops_base64(const unsigned char *in, size_t n, char *out)
{
    out[base_b64_encode(BASE_B64_STD, true, in, n, out)] = '\0';
}

/* Reads src (and writes dst_fd when >= 0), hashing.  0 or ERR_IO. */
static int ops_stream(int src_fd, const char *src, int dst_fd, const char *dst,
                      uint64_t *out_bytes, char *out_hex, err_t *e)
{
    int rc = 0;
    unsigned char *buf = NULL;
    ops_md *md = NULL;
    uint64_t total = 0;
    rc = ops_md_new(OPS_MD_SHA256, &md, e);
    if (rc)
        goto fail;
    buf = malloc(OPS_COPY_CHUNK);
    if (!buf) {
        rc = err_set(e, ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (;;) {
        ssize_t r = read(src_fd, buf, OPS_COPY_CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = err_set(e, ERR_IO, "cannot read %s: %s", src, strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        if (dst_fd >= 0 && !ops_write_all(dst_fd, buf, (size_t)r)) {
            rc = err_set(e, ERR_IO, "cannot write %s: %s", dst, strerror(errno));
            goto fail;
        }
        ops_md_update(md, buf, (size_t)r);
        total += (uint64_t)r;
    }
    unsigned char dig[OPS_MD_MAX];
    unsigned dl = ops_md_final(md, dig);
    if (out_hex)
        ops_hex(dig, dl, out_hex);
    if (out_bytes)
        *out_bytes = total;
fail:
    ops_md_free(md);
    free(buf);
    return rc;
}

int ops_open_regular(const char *path, err_t *e)
{
    /* O_NONBLOCK: a FIFO opens at once instead of waiting for a writer */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return err_set(e, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "cannot open %s: %s", path,
                       strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return err_set(e, ERR_IO, "cannot stat %s: %s", path, strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(e, ERR_VALIDATION, "%s is not a regular file", path);
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int err = errno;
        close(fd);
        return err_set(e, ERR_IO, "cannot open %s: %s", path, strerror(err));
    }
    return fd;
}

int ops_read_regular(const char *path, size_t max, char **out, size_t *out_len, err_t *e)
{
    *out = NULL;
    *out_len = 0;
    int fd = ops_open_regular(path, e);
    if (fd < 0)
        return fd;
    int rc = 0;
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap + 1);
    if (!buf) {
        rc = err_set(e, ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (;;) {
        if (len == cap) {
            if (cap > max) {
                rc = err_set(e, ERR_VALIDATION, "%s is larger than %zu bytes", path, max);
                goto fail;
            }
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                rc = err_set(e, ERR_NOMEM, "out of memory");
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = err_set(e, ERR_IO, "cannot read %s: %s", path, strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (len > max) {
        rc = err_set(e, ERR_VALIDATION, "%s is larger than %zu bytes", path, max);
        goto fail;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    buf = NULL;
fail:
    free(buf);
    close(fd);
    return rc;
}

int ops_sha256_file(const char *path, char out_hex[OPS_SHA256_HEX], uint64_t *out_bytes,
                    err_t *e)
{
    int fd = ops_open_regular(path, e);
    if (fd < 0)
        return fd;
    int rc = ops_stream(fd, path, -1, NULL, out_bytes, out_hex, e);
    close(fd);
    return rc;
}

int ops_copy_file(const char *src, const char *dst, unsigned mode, uint64_t *out_bytes,
                  char *out_sha_hex, err_t *e)
{
    int in = ops_open_regular(src, e);
    if (in < 0)
        return in;
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777);
    if (out < 0) {
        int err = errno;
        close(in);
        return err_set(e, ERR_IO, "cannot create %s: %s", dst, strerror(err));
    }
    int rc = ops_stream(in, src, out, dst, out_bytes, out_sha_hex, e);
    if (rc == 0 && fsync(out) != 0)
        rc = err_set(e, ERR_IO, "cannot sync %s: %s", dst, strerror(errno));
    close(in);
    if (close(out) != 0 && rc == 0)
        rc = err_set(e, ERR_IO, "cannot write %s: %s", dst, strerror(errno));
    return rc;
}

int ops_write_file_atomic(const char *path, const void *data, size_t len, err_t *e)
{
    char tmp[OPS_PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || n >= (int)sizeof tmp)
        return err_set(e, ERR_VALIDATION, "path too long: %s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    int rc = 0;
    if (!ops_write_all(fd, data, len) || fsync(fd) != 0)
        rc = err_set(e, ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && rc == 0)
        rc = err_set(e, ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = err_set(e, ERR_IO, "cannot rename %s: %s", tmp, strerror(errno));
    if (rc) {
        unlink(tmp);
        return rc;
    }
    char dir[OPS_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    return ops_fsync_dir(dir, e);
}

static void ops_rmtree_at(const char *path, int depth)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode) && depth < OPS_RMTREE_DEPTH) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                    continue;
                char sub[OPS_PATH_MAX];
                if (ops_path_join(sub, path, de->d_name, NULL) == 0)
                    ops_rmtree_at(sub, depth + 1);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

void ops_rmtree(const char *path)
{
    ops_rmtree_at(path, 0);
}

void ops_now_iso(char out[32])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char date[24];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%.19s.%03dZ", date, (int)(ts.tv_nsec / 1000000) % 1000);
}
