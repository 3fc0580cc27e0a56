/*
 * bench_lmdbsync — raw LMDB's synced commits on a given disk: the limit under the durable
 * write rows of bench/peers (make bench-peers).
 *
 * Usage: bench_lmdbsync DIR SECONDS PER_TXN...
 *        (DIR: a scratch directory, created, emptied of data.mdb/lock.mdb first and at exit;
 *         SECONDS: per measurement; PER_TXN: puts per synced transaction, one measurement each)
 * One thread, default LMDB flags (every commit syncs data and meta pages), ~200-byte values
 * under 40-byte keys like a message row.  Prints one line per measurement:
 *   RESULT {"per_txn":N,"puts_per_s":X,"commits_per_s":Y,"ms_per_commit":Z}
 */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LS_MAP_SIZE ((size_t)1 << 30)
#define LS_VALUE_LEN 200
#define LS_MAX_PER_TXN 100000

static double ls_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void ls_clean(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/lock.mdb", dir);
    unlink(p);
}

static int ls_run(const char *dir, double seconds, long per)
{
    int rc = 1;
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    char val[LS_VALUE_LEN];
    memset(val, 'v', sizeof val);
    ls_clean(dir);
    if (mdb_env_create(&env) || mdb_env_set_mapsize(env, LS_MAP_SIZE) ||
        mdb_env_open(env, dir, MDB_NOTLS, 0600)) {
        fprintf(stderr, "bench_lmdbsync: cannot open an LMDB env in %s\n", dir);
        goto fail;
    }
    long puts = 0, commits = 0;
    double t0 = ls_now(), t1 = t0;
    while (t1 - t0 < seconds) {
        if (mdb_txn_begin(env, NULL, 0, &txn) || mdb_dbi_open(txn, NULL, 0, &dbi))
            goto fail;
        for (long i = 0; i < per; i++, puts++) {
            char key[48];
            int kn = snprintf(key, sizeof key, "MSG#00000000-0000-4000-8000-%012ld", puts);
            MDB_val k = {(size_t)kn, key}, v = {sizeof val, val};
            if (mdb_put(txn, dbi, &k, &v, 0))
                goto fail;
        }
        int crc = mdb_txn_commit(txn);
        txn = NULL;
        if (crc) {
            fprintf(stderr, "bench_lmdbsync: commit: %s\n", mdb_strerror(crc));
            goto fail;
        }
        commits++;
        t1 = ls_now();
    }
    double dt = t1 - t0;
    printf("RESULT {\"per_txn\":%ld,\"puts_per_s\":%.0f,\"commits_per_s\":%.1f,"
           "\"ms_per_commit\":%.3f}\n",
           per, (double)puts / dt, (double)commits / dt, dt * 1e3 / (double)commits);
    fflush(stdout);
    rc = 0;
fail:
    if (txn)
        mdb_txn_abort(txn);
    if (env)
        mdb_env_close(env);
    ls_clean(dir);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_lmdbsync DIR SECONDS PER_TXN...\n");
        return 2;
    }
    const char *dir = argv[1];
    char *end;
    double seconds = strtod(argv[2], &end);
    if (*end || seconds <= 0) {
        fprintf(stderr, "bench_lmdbsync: SECONDS must be a positive number\n");
        return 2;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "bench_lmdbsync: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    for (int i = 3; i < argc; i++) {
        long per = strtol(argv[i], &end, 10);
        if (*end || per < 1 || per > LS_MAX_PER_TXN) {
            fprintf(stderr, "bench_lmdbsync: PER_TXN must be 1..%d\n", LS_MAX_PER_TXN);
            return 2;
        }
        if (ls_run(dir, seconds, per))
            return 1;
    }
    return 0;
}
