/*
 * ops_int — file helpers the ops modules share.  Layer: ops (private).
 */
#ifndef DDB_OPS_OPS_INT_H
#define DDB_OPS_OPS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define OPS_PATH_MAX 4096
#define OPS_SHA256_HEX 65 /* 64 hex digits + NUL */
#define OPS_MD5_HEX 33

/* Room for element n of a growable array: pv is the address of its pointer (malloc'ed, or
 * NULL), *cap the elements allocated, elem_size each one's bytes.  When n == *cap the array
 * grows to `first` elements, then twice as many (the pointer and *cap updated; on failure
 * both stay as they were, the array still the caller's to free).  ERR_NOMEM ("out of
 * memory").  A cap on n is the caller's, with its own words. */
int ops_grow(void *pv, size_t n, size_t *cap, size_t elem_size, size_t first, err_t *e);
/* dir + "/" + name into out (OPS_PATH_MAX); ERR_VALIDATION when too long. */
int ops_path_join(char *out, const char *dir, const char *name, err_t *e);
/* True when path names an existing directory without entries, or nothing; sets *exists. */
bool ops_dir_empty_or_absent(const char *path, bool *exists);
/* mkdir -p with mode 0700 for every missing component.  ERR_IO. */
int ops_mkdirs(const char *path, err_t *e);
/* fsyncs a directory (so a rename or create in it is durable).  ERR_IO. */
int ops_fsync_dir(const char *path, err_t *e);
/* Opens path for reading if it is a regular file (or a symlink to one): the fd, or a negative
 * ERR_NOT_FOUND (absent), ERR_VALIDATION (a FIFO, a device, a directory: "<path> is not a
 * regular file") or ERR_IO.  Opening a FIFO in a backup or an export blocked the restore or
 * import for good, and /dev/zero would be read without end (test_dirbackup.c::
 * test_fifo_in_backup_is_refused, test_xport.c::test_fifo_data_file_is_refused). */
int ops_open_regular(const char *path, err_t *e);
/* Reads the regular file path whole into *out (malloc'd, owned by the caller, NUL added
 * after its *out_len bytes).  ops_open_regular's errors; ERR_VALIDATION when it holds more
 * than max bytes ("<path> is larger than N bytes"); ERR_IO; ERR_NOMEM.  For the small JSON
 * files restore and import read by name: a FIFO in their place hung restore for good
 * (test_dirbackup.c::test_fifo_manifest_is_refused). */
int ops_read_regular(const char *path, size_t max, char **out, size_t *out_len, err_t *e);
/* Copies src to dst (created exclusively with `mode`), fsyncs it; *out_bytes and the SHA-256
 * of what was copied (hex, may be NULL).  ERR_IO; ERR_NOT_FOUND when src vanished. */
int ops_copy_file(const char *src, const char *dst, unsigned mode, uint64_t *out_bytes,
                  char *out_sha_hex, err_t *e);
/* SHA-256 (hex) and size of a file.  ERR_IO; ops_open_regular's errors. */
int ops_sha256_file(const char *path, char out_hex[OPS_SHA256_HEX], uint64_t *out_bytes,
                    err_t *e);
/* Writes data to path atomically (path.tmp, fsync, rename, fsync of the dir).  ERR_IO. */
int ops_write_file_atomic(const char *path, const void *data, size_t len, err_t *e);
/* Removes a directory tree (best effort, for cleaning up after a failure). */
void ops_rmtree(const char *path);
/* Message digests (SHA-256 of backup files, MD5 of export files) over OpenSSL's libcrypto,
 * opened on first use (base/dynlib.h): the server, which never needs them to answer, does not
 * load libcrypto at every start (issue 13.4).  Thread-safe. */
typedef enum ops_md_kind { OPS_MD_SHA256, OPS_MD_MD5 } ops_md_kind;
typedef struct ops_md ops_md;
#define OPS_MD_MAX 64 /* bytes of the largest digest */
/* A fresh digest of `kind` in *out (free with ops_md_free).  ERR_INTERNAL when libcrypto
 * cannot be loaded (the message says why), ERR_NOMEM. */
int ops_md_new(ops_md_kind kind, ops_md **out, err_t *e);
void ops_md_update(ops_md *m, const void *data, size_t n);
/* The digest into out (32 bytes for SHA-256, 16 for MD5); returns its length. */
unsigned ops_md_final(ops_md *m, unsigned char out[OPS_MD_MAX]);
/* Accepts NULL. */
void ops_md_free(ops_md *m);
/* Standard base64 (with padding) of n bytes into out (4 * ceil(n / 3) + 1 bytes). */
void ops_base64(const unsigned char *in, size_t n, char *out);
/* Current UTC time as ISO 8601 with milliseconds ("2024-01-02T03:04:05.678Z"). */
void ops_now_iso(char out[32]);

#endif
