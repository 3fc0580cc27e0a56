/*
 * store — the base of the store's internals: LMDB transactions, map growth, commit
 * notification, the reader slots of exited processes, the background threads' signals,
 * meta records, key building and record fields.  Layer: store.  Calls nothing of the
 * layer's other modules (catalog.c, commit.c, ttl.c, query.c and open.c are built on it, in
 * that order; see store_int.h).
 *
 * The map starts at opts.initial_map (default 1 GiB; LMDB's file is sparse) and doubles on
 * MDB_MAP_FULL: st_write_txn aborts, takes maplock exclusively (so no txn of this process is
 * open, as mdb_env_set_mapsize requires), grows, and runs the txn again.  A txn_begin that
 * returns MDB_MAP_RESIZED (another process grew the map) adopts a size that holds its data
 * the same way (st_map_adopt).  A growth or an adoption the address space refuses (RLIMIT_AS)
 * fails the txn with a storage error and keeps the old map; the next txn that needs room
 * tries again (st_map_resize).
 * Durable commits: the env is opened with MDB_NOMETASYNC, so mdb_txn_commit syncs the data
 * pages and writes the meta page without syncing it (LMDB keeps its integrity: a crash can
 * only undo that last txn); st_sync_meta then syncs it before anyone is told the txn is
 * durable.  st_write_txn does both; the group committer (commit.c) instead lets the next
 * round's commit (whose data sync also covers the meta page before it) make a round durable,
 * and syncs itself, after releasing LMDB's write lock, only when no round follows.
 * Read txns are reused: st_rtxn_end puts one into a small pool (store_int.h ST_RPOOL_MAX),
 * live when its snapshot is still the last commit, else reset (mdb_txn_reset: the snapshot
 * is released, the handle keeps its reader slot); st_rtxn_begin hands out a live one as it
 * is when no commit followed (the meta page's txn id, which sees other processes' commits
 * too), else renews one (mdb_txn_renew: the latest snapshot), so a GetItem or Query pays
 * neither LMDB's reader-table mutex nor an allocation for its txn, and between commits
 * neither the renew nor LMDB's re-read of the data DB's record that follows one.  A commit
 * of this process resets the live ones at once (st_txn_run), the maintenance thread's tick
 * those another process's commit made old (st_readers_check), so a kept snapshot holds
 * back LMDB's reuse of freed pages for at most that long.  tests/unit/store/test_store.c
 * test_read_txn_reuse checks freshness, snapshots in progress and the bound;
 * test_read_txn_live_* the live snapshots (read-your-writes across threads and processes,
 * no file growth under writes with idle readers).
 * Commit notification (store_change_seq / store_change_wait) lives here too, beside the write
 * txn that wakes it and the LMDB txn id it counts (see its section).
 * See store_int.h for the on-disk layout and the lock order.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.CoreComponents.html
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "store/store_int.h"
#include "value/keycodec.h"

const av_t store_keep = {.type = AV_NULL};

void store_opts_default(store_opts *o)
{
    memset(o, 0, sizeof *o);
    o->durable = true;
    o->initial_map = 0;
    o->ttl_thread = true;
    o->ttl_interval_ms = 1000;
    o->read_only = false;
    o->stream_retention_ms = ST_STREAM_RETENTION_MS;
    o->stream_shard_ms = ST_STREAM_SHARD_MS;
}

bool st_is_mdb_err(int rc)
{
    /* LMDB's own codes, or an errno (positive) from the OS */
    return rc > 0 || (rc >= MDB_KEYEXIST && rc <= MDB_LAST_ERRCODE);
}

int st_mdb_err(int rc, err_t *e)
{
    if (rc == 0)
        return 0;
    if (rc < 0 && rc > -1000 && !st_is_mdb_err(rc)) /* already an ERR_*: keep its message */
        return err_set(e, rc, "%s", rc == ERR_NOMEM ? "out of memory" : "storage error");
    if (rc == ENOMEM) /* LMDB could not allocate: not a storage fault */
        return err_set(e, ERR_NOMEM, "out of memory");
    return err_set(e, ERR_IO, "storage error: %s", mdb_strerror(rc));
}

/* ---- map size ---------------------------------------------------------------------- */

/* Adopts the map another process grew (MDB_MAP_RESIZED: its data reached past our map);
 * caller holds no txn and no maplock.  0, or the errno of a map the address space refused
 * (our map kept, the caller's txn not begun).  LMDB's own adoption (mdb_env_set_mapsize 0)
 * unmaps ours and maps the other's size, and a refused mmap left the env without a map: the
 * next txn read through it (SIGSEGV).  Its size is not told through LMDB's API, so ours is
 * doubled until it holds the data that is there (me_last_pgno), the size test-mapped first
 * like a growth (st_map_resize): where the other process doubled from the same start, that is
 * its size; else ours may be smaller, as LMDB allows (the next MDB_MAP_RESIZED or
 * MDB_MAP_FULL grows it).  test_store.c test_map_adoption_refused_by_the_address_space. */
static int st_map_adopt(store_t *s)
{
    int rc = 0;
    st_map_wrlock(s);
    MDB_envinfo info;
    MDB_stat st;
    if (mdb_env_info(s->env, &info) == 0 && mdb_env_stat(s->env, &st) == 0) {
        size_t need = ((size_t)info.me_last_pgno + 1) * st.ms_psize, size = s->mapsize;
        while (size < need && size <= SIZE_MAX / 2)
            size *= 2;
        if (size > s->mapsize) { /* else another thread adopted it meanwhile */
            st_rpool_release(s, true); /* no snapshot of this process kept across the remap */
            rc = st_map_resize(s, size);
        }
    }
    pthread_rwlock_unlock(&s->maplock);
    return rc;
}

int st_map_resize(store_t *s, size_t size)
{
    /* LMDB unmaps the old map before it maps the new one, and a failed mmap leaves the env
     * with no map at all: its next txn reads the meta pages through a NULL map (SIGSEGV),
     * and a second resize "succeeds" without mapping anything.  So the room the remap adds
     * (the new size less the old, which LMDB gives back first) is reserved once first, an
     * inaccessible anonymous mapping counted against the address space as the new map will
     * be: where that fails (an address-space limit, RLIMIT_AS) the env keeps its map and the
     * caller its error, and the write that needed room fails cleanly (test_store.c
     * test_map_growth_refused_by_the_address_space: the next read crashed the process).
     * Reserving the whole new size beside the old asked for more than LMDB needs, and under
     * a cap the store stopped at half the size it could reach (16 MB of 32 in that test's
     * 24 MB of room, review31a). */
    int rc;
    size_t cur = (size_t)s->mapsize, more = size > cur ? size - cur : 0;
    if (more) {
        void *probe = mmap(NULL, more, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                           -1, 0);
        if (probe == MAP_FAILED)
            return errno ? errno : ENOMEM;
        munmap(probe, more);
    }
    rc = mdb_env_set_mapsize(s->env, size);
    if (rc) { /* the old map is gone and no new one came (the room taken meanwhile) */
        log_error("store: the LMDB map could not be mapped again at %zu bytes (%s): "
                  "stopping before any transaction uses it",
                  size, mdb_strerror(rc));
        abort();
    }
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    s->mapsize = info.me_mapsize;
    return 0;
}

void st_map_wrlock(store_t *s)
{
    atomic_fetch_add(&s->map_waiters, 1);
    pthread_rwlock_wrlock(&s->maplock);
    atomic_fetch_sub(&s->map_waiters, 1);
}

/* Doubles the map unless someone already grew it past `seen`. */
static int st_map_grow(store_t *s, size_t seen)
{
    int rc = 0;
    st_map_wrlock(s);
    if (s->mapsize == seen) {
        st_rpool_release(s, true); /* no snapshot of this process kept across the remap */
        rc = st_map_resize(s, seen * 2);
        if (rc == 0)
            log_info("store: map grown to %zu bytes", s->mapsize);
    }
    pthread_rwlock_unlock(&s->maplock);
    return rc;
}

/* maplock is writer-preferring, so a thread that already holds it shared must not take it
 * again (a waiting grower would deadlock both).  This happens when code running inside a
 * store txn (an apply callback in the committer) reads through the store: the nested read
 * txn then rides on the outer hold. */
static _Thread_local const store_t *st_tls_store;
static _Thread_local int st_tls_depth;

static void st_map_rdlock(store_t *s)
{
    if (st_tls_store == s && st_tls_depth > 0) {
        st_tls_depth++;
        return;
    }
    pthread_rwlock_rdlock(&s->maplock);
    st_tls_store = s;
    st_tls_depth = 1;
}

static void st_map_unlock(store_t *s)
{
    if (--st_tls_depth > 0)
        return;
    st_tls_store = NULL;
    pthread_rwlock_unlock(&s->maplock);
}

bool st_map_held(const store_t *s)
{
    return st_tls_store == s && st_tls_depth > 0;
}

bool st_map_yield_wanted(store_t *s)
{
    return s->map_yield_ok && atomic_load(&s->map_waiters) > 0 && st_tls_store == s &&
           st_tls_depth == 1;
}

void st_map_yield(store_t *s)
{
    if (st_tls_store != s || st_tls_depth != 1)
        return;
    st_map_unlock(s);
    st_map_rdlock(s); /* writer-preferring: after the waiting grower */
}

#define ST_RESUME_KEY_MAX 512 /* LMDB's key limit is 511 bytes (mdb_env_get_maxkeysize) */

int st_cursor_next_yielding(store_t *s, MDB_txn *txn, MDB_dbi dbi, MDB_cursor **cur, MDB_val *k,
                            MDB_val *v)
{
    unsigned char resume[ST_RESUME_KEY_MAX]; /* the last key read */
    size_t rl = k->mv_size;
    if (!st_map_yield_wanted(s) || rl > sizeof resume)
        return mdb_cursor_get(*cur, k, v, MDB_NEXT);
    memcpy(resume, k->mv_data, rl);
    mdb_cursor_close(*cur);
    *cur = NULL;
    st_map_yield(s);
    int rc = mdb_cursor_open(txn, dbi, cur);
    if (rc) {
        *cur = NULL;
        return rc;
    }
    *k = (MDB_val){rl, resume};
    rc = mdb_cursor_get(*cur, k, v, MDB_SET_RANGE); /* *k into the map again when found */
    if (rc == 0 && k->mv_size == rl && memcmp(k->mv_data, resume, rl) == 0)
        rc = mdb_cursor_get(*cur, k, v, MDB_NEXT);
    return rc;
}

/* The last committed txn's id, by any process (mdb_env_info reads the meta pages: maplock
 * held, shared or exclusively). */
static uint64_t st_meta_txnid(store_t *s)
{
    MDB_envinfo info;
    return mdb_env_info(s->env, &info) ? 0 : (uint64_t)info.me_last_txnid;
}

/* A read txn: a kept live one whose snapshot is still the last commit as it is, else a kept
 * one renewed, else a new one (maplock held shared).  The check reads the meta page after
 * the txn left the pool, so a commit that returned before this call (in any process) is
 * seen: the snapshot handed out is never older than the caller's last write. */
static int st_rtxn_open(store_t *s, MDB_txn **out)
{
    MDB_txn *t = NULL;
    uint64_t snap = 0;
    pthread_mutex_lock(&s->rpmu);
    if (s->n_rpool) {
        t = s->rpool[--s->n_rpool];
        snap = s->rpool_snap[s->n_rpool];
        if (snap)
            s->n_rlive--;
    }
    pthread_mutex_unlock(&s->rpmu);
    if (t && snap) {
        if (snap == st_meta_txnid(s)) {
            *out = t; /* no commit since: no renew, and its DB records are read already */
            return 0;
        }
        mdb_txn_reset(t);
    }
    if (t) {
        int rc = mdb_txn_renew(t);
        if (rc == 0) {
            *out = t;
            return 0;
        }
        mdb_txn_abort(t); /* a failed renew leaves it reset: drop it (and its reader slot) */
        if (rc == MDB_MAP_RESIZED)
            return rc;
    }
    return mdb_txn_begin(s->env, NULL, MDB_RDONLY, out);
}

int st_rtxn_begin(store_t *s, MDB_txn **out)
{
    for (;;) {
        st_map_rdlock(s);
        int rc = st_rtxn_open(s, out);
        if (rc == 0)
            return 0;
        bool nested = st_tls_depth > 1;
        st_map_unlock(s);
        if (rc != MDB_MAP_RESIZED || nested)
            return rc;
        rc = st_map_adopt(s);
        if (rc)
            return rc;
    }
}

void st_rtxn_end(store_t *s, MDB_txn *txn)
{
    if (!txn)
        return;
    pthread_mutex_lock(&s->rpmu);
    bool kept = s->n_rpool < ST_RPOOL_MAX;
    if (kept) {
        /* checked under rpmu: a commit's st_rpool_release either follows this and resets it,
         * or preceded it and its meta page is seen here */
        uint64_t snap = mdb_txn_id(txn);
        MDB_stat ms;
        /* no maintenance thread ticks in a read-only open: never kept live; nor is a txn a
         * read left in error (a damaged page: MDB_TXN_ERROR, every later call MDB_BAD_TXN),
         * which the renew clears; mdb_stat of LMDB's main DB (dbi 1, never stale) is the
         * cheapest call that looks at that flag */
        if (s->opts.read_only || snap != st_meta_txnid(s) || mdb_stat(txn, 1, &ms) != 0) {
            snap = 0;
            mdb_txn_reset(txn); /* releases the snapshot; the handle and its reader slot stay */
        }
        s->rpool_snap[s->n_rpool] = snap;
        s->rpool[s->n_rpool++] = txn;
        s->n_rlive += snap != 0;
    }
    pthread_mutex_unlock(&s->rpmu);
    if (!kept)
        mdb_txn_abort(txn);
    st_map_unlock(s);
}

void st_rpool_release(store_t *s, bool all)
{
    pthread_mutex_lock(&s->rpmu);
    if (s->n_rlive) {
        uint64_t last = all ? 0 : st_meta_txnid(s);
        for (size_t i = 0; i < s->n_rpool; i++) {
            if (s->rpool_snap[i] && s->rpool_snap[i] != last) {
                mdb_txn_reset(s->rpool[i]); /* MDB_NOTLS: from any thread */
                s->rpool_snap[i] = 0;
                s->n_rlive--;
            }
        }
    }
    pthread_mutex_unlock(&s->rpmu);
}

size_t st_rpool_count(store_t *s)
{
    pthread_mutex_lock(&s->rpmu);
    size_t n = s->n_rpool;
    pthread_mutex_unlock(&s->rpmu);
    return n;
}

size_t st_rpool_live(store_t *s)
{
    pthread_mutex_lock(&s->rpmu);
    size_t n = s->n_rlive;
    pthread_mutex_unlock(&s->rpmu);
    return n;
}

void st_rpool_drain(store_t *s)
{
    pthread_mutex_lock(&s->rpmu);
    while (s->n_rpool)
        mdb_txn_abort(s->rpool[--s->n_rpool]);
    s->n_rlive = 0;
    pthread_mutex_unlock(&s->rpmu);
}

/* ---- reader slots of exited processes ----------------------------------------------- */

/* Frees the LMDB reader slots of processes that exited inside a read txn (a CLI killed while
 * it read the data dir the server writes): such a slot keeps its snapshot, so from then on
 * no page freed by a write can be used again, by any process, and data.mdb grows by every
 * page written until a restart (store_open clears them): C+D at 64 connections, 19.4k ->
 * 174.8k pages (+600 MB) in one 4 s run; with this poll 20.3k -> 38.2k, the slot gone within
 * ST_WORK_POLL_MS (BENCHMARKS.md "Session 17: cd17").  mdb_reader_check looks only at other
 * processes' slots (a lock test per process): cheap once a poll.  It runs also while table
 * work fails and waits to be retried: when the disk is full, a dead reader's snapshot may be
 * what keeps it full (before, the check ran only while no work was pending: store
 * test_faults test_stale_reader_freed_while_work_fails).  A failing check is logged once,
 * and once more when it works again (test_reader_check_failure_logged_once). */
/* mdb_reader_list's lines ("%10d %zx %llu" or "... -" for a slot between txns): the
 * oldest txn id in use and its process, of any process (all) and of the others (other). */
typedef struct st_oldest {
    uint64_t txnid;
    int pid;
} st_oldest;

typedef struct st_oldest2 {
    int self;
    st_oldest all, other;
} st_oldest2;

static int st_reader_line(const char *msg, void *ctx)
{
    st_oldest2 *o = ctx;
    int pid;
    size_t tid;
    unsigned long long txnid;
    if (sscanf(msg, "%d %zx %llu", &pid, &tid, &txnid) != 3)
        return 0;
    if (!o->all.txnid || txnid < o->all.txnid)
        o->all = (st_oldest){txnid, pid};
    if (pid != o->self && (!o->other.txnid || txnid < o->other.txnid))
        o->other = (st_oldest){txnid, pid};
    return 0;
}

/* The oldest read snapshot of any process on the data dir, once a tick (maintenance thread):
 * held while commits pass, it keeps LMDB from reusing the pages they free, so data.mdb grows
 * with every write until it ends (a `ddbchat export`, `backup` or `doctor` stopped with
 * Ctrl-Z grew a 13 MB file to 120-204 MB in a minute of ~100 writes a second: attack31,
 * RELIABILITY.md).  No process can end another's snapshot; this says whose it is: the oldest
 * of another process is logged once per snapshot after opts.snapshot_warn_ms, and the age of
 * the oldest of any process, this one's too, is a metric
 * (ddbchat_lmdb_oldest_snapshot_seconds; test_storage_faults.py
 * test_an_old_snapshot_of_another_process_is_named).  This process's own long snapshot (a
 * `ddbchat export`'s one read, a CreateBackup's) is its own work, not a stall to name: an
 * export of more than a minute warned about itself (test_store.c
 * test_own_old_snapshot_not_warned). */
static void st_snapshot_watch(store_t *s, int64_t now)
{
    st_oldest2 o = {.self = (int)getpid()};
    uint64_t last = st_last_txnid(s);
    if (mdb_reader_list(s->env, st_reader_line, &o) != 0)
        o.all.txnid = o.other.txnid = 0;
    if (!o.all.txnid || o.all.txnid >= last) {
        s->snap_txnid = 0;
        atomic_store(&s->snap_age_ms, 0);
        atomic_store(&s->snap_pid, 0);
    } else {
        if (o.all.txnid != s->snap_txnid || o.all.pid != s->snap_pid_seen) {
            s->snap_txnid = o.all.txnid;
            s->snap_pid_seen = o.all.pid;
            s->snap_since_ms = now;
        }
        atomic_store(&s->snap_age_ms, now - s->snap_since_ms);
        atomic_store(&s->snap_pid, o.all.pid);
    }
    if (!o.other.txnid || o.other.txnid >= last) {
        s->warn_txnid = 0;
        return;
    }
    if (o.other.txnid != s->warn_txnid || o.other.pid != s->warn_pid) {
        s->warn_txnid = o.other.txnid;
        s->warn_pid = o.other.pid;
        s->warn_since_ms = now;
        s->snap_warned = false;
    }
    int64_t age = now - s->warn_since_ms;
    int warn_ms = s->opts.snapshot_warn_ms ? s->opts.snapshot_warn_ms : ST_SNAPSHOT_WARN_MS;
    if (!s->snap_warned && age >= warn_ms) {
        s->snap_warned = true;
        log_warn("store: process %d has held an LMDB read snapshot for %lld s, %llu commits "
                 "ago: the pages later commits free cannot be reused until it ends, so "
                 "data.mdb grows with every write meanwhile (a stopped or stalled export, "
                 "backup or doctor?)",
                 o.other.pid, (long long)(age / 1000), (unsigned long long)(last - o.other.txnid));
    }
}

/* Runs the reader check through the store's hook (s->readers_check: mdb_reader_check, or a
 * fault test's stand-in) and keeps readers_failing, a failure logged once until a check
 * works again.  0 or the check's error; *dead the slots it freed. */
static int st_readers_run(store_t *s, int *dead)
{
    pthread_mutex_lock(&s->work.mu);
    int (*check)(MDB_env *, int *) = s->readers_check;
    pthread_mutex_unlock(&s->work.mu);
    *dead = 0;
    int rc = check(s->env, dead);
    if (rc) {
        if (!atomic_exchange(&s->readers_failing, true))
            log_warn("store: the check for LMDB reader slots of exited processes failed: %s "
                     "(stale slots stay until it succeeds; retried every %d ms, logged once)",
                     mdb_strerror(rc), ST_WORK_POLL_MS);
    } else if (atomic_exchange(&s->readers_failing, false)) {
        log_info("store: the check for LMDB reader slots of exited processes works again");
    }
    return rc;
}

void st_readers_check(store_t *s)
{
    /* and the kept read txns whose snapshot another process's commit made old (this
     * process's own commits reset them at once, st_txn_run) */
    st_map_rdlock(s);
    st_rpool_release(s, false);
    st_map_unlock(s);
    int dead = 0;
    int rc = st_readers_run(s, &dead);
    s->readers_checked_ms = base_mono_ms();
    st_map_rdlock(s); /* the reader table and the meta pages are in the maps */
    st_snapshot_watch(s, s->readers_checked_ms);
    st_map_unlock(s);
    if (rc == 0 && dead)
        log_info("store: cleared %d stale LMDB reader slot(s) of exited processes", dead);
}

/* A write that found no room (the map full, or the disk: ENOSPC, EFBIG) frees the reader
 * slots of exited processes at once, not at the maintenance thread's next tick: a killed
 * export's, backup's or doctor's snapshot keeps every page freed after it from being used
 * again, so the map grew (doubling, for good: the file never shrinks) or the write failed on
 * a full disk although freed pages were there to reuse.  True when a slot was freed (the
 * write is run again before growing the map or failing).  test_faults.c
 * test_dead_reader_freed_before_the_map_grows (the map) and
 * test_dead_reader_freed_on_a_full_disk (the disk).  Through the store's hook, as the
 * maintenance thread's check: before, it called mdb_reader_check itself, which a fault test
 * could not reach and whose failure went unsaid (review32 r32c L4; test_faults.c
 * test_write_reader_check_through_the_hook). */
static bool st_readers_free_now(store_t *s)
{
    int dead = 0;
    if (st_readers_run(s, &dead) != 0 || dead == 0)
        return false;
    log_info("store: cleared %d stale LMDB reader slot(s) of exited processes (a write "
             "needed their pages)",
             dead);
    return true;
}

void st_readers_poll(store_t *s)
{
    if (base_mono_ms() - s->readers_checked_ms >= ST_WORK_POLL_MS)
        st_readers_check(s);
}

/* ---- write txns ----------------------------------------------------------------------- */

int st_write_txn(store_t *s, st_txn_fn fn, void *ctx, err_t *e)
{
    int rc = st_write_txn_ex(s, fn, ctx, e);
    if (rc == 0)
        rc = st_sync_meta(s, e);
    return rc;
}

int st_sync_meta(store_t *s, err_t *e)
{
    if (!s->opts.durable)
        return 0;
    int rc = mdb_env_sync(s->env, 1);
    if (rc)
        return err_set(e, ERR_IO, "storage error: cannot sync: %s", mdb_strerror(rc));
    return 0;
}

uint64_t st_last_txnid(store_t *s)
{
    /* mdb_env_info reads the meta pages, in the map: not while a grower moves it */
    MDB_envinfo info;
    st_map_rdlock(s);
    int rc = mdb_env_info(s->env, &info);
    st_map_unlock(s);
    return rc ? 0 : (uint64_t)info.me_last_txnid;
}

int st_env_info(store_t *s, MDB_envinfo *out_info, MDB_stat *out_stat)
{
    /* both read the meta pages, in the map: not while a grower moves it (review32 r32c H1) */
    st_map_rdlock(s);
    int rc = mdb_env_info(s->env, out_info);
    if (rc == 0)
        rc = mdb_env_stat(s->env, out_stat);
    st_map_unlock(s);
    return rc;
}

static int st_txn_run(store_t *s, st_txn_fn fn, void *ctx, bool other, err_t *e);

int st_write_txn_ex(store_t *s, st_txn_fn fn, void *ctx, err_t *e)
{
    return st_txn_run(s, fn, ctx, true, e);
}

int st_round_txn(store_t *s, st_txn_fn fn, void *ctx, err_t *e)
{
    return st_txn_run(s, fn, ctx, false, e);
}

/* other: a write txn outside the group committer, counted in store_commit_stats' other_txns
 * (a relaxed atomic: a statistic, ordered with nothing; the committer's rounds, counted as
 * rounds, neither count here nor take another lock: test_stream.c
 * test_idle_stream_pass_writes_nothing) */
static int st_txn_run(store_t *s, st_txn_fn fn, void *ctx, bool other, err_t *e)
{
    if (s->opts.read_only)
        return err_set(e, ERR_IO, "store opened read-only");
    if (st_map_held(s))
        return err_set(e, ERR_INTERNAL, "store write from inside a store transaction");
    bool freed_dead = false;
    for (;;) {
        MDB_txn *txn = NULL;
        if (other)
            __atomic_fetch_add(&s->other_txns, 1, __ATOMIC_RELAXED);
        st_map_rdlock(s);
        size_t seen = s->mapsize;
        int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
        if (rc == MDB_MAP_RESIZED) {
            st_map_unlock(s);
            int g = st_map_adopt(s);
            if (g)
                return err_set(e, ERR_IO, "cannot adopt the LMDB map another process grew: %s",
                               mdb_strerror(g));
            continue;
        }
        if (rc) {
            st_map_unlock(s);
            return st_mdb_err(rc, e);
        }
        err_t sub;
        err_clear(&sub);
        rc = fn(s, txn, ctx, &sub);
        if (rc == 0)
            rc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
        if (rc == 0) /* the kept live snapshots are older now: let LMDB use their pages */
            st_rpool_release(s, false);
        st_map_unlock(s);
        if ((rc == MDB_MAP_FULL || rc == ENOSPC || rc == EFBIG) && !freed_dead &&
            st_readers_free_now(s)) {
            freed_dead = true; /* once: the pages its snapshot held are free for this txn */
            continue;
        }
        if (rc == MDB_MAP_FULL) {
            int g = st_map_grow(s, seen);
            if (g)
                return err_set(e, ERR_IO, "cannot grow the LMDB map: %s", mdb_strerror(g));
            continue;
        }
        if (rc == MDB_MAP_RESIZED) {
            int g = st_map_adopt(s);
            if (g)
                return err_set(e, ERR_IO, "cannot adopt the LMDB map another process grew: %s",
                               mdb_strerror(g));
            continue;
        }
        if (rc == 0 && other) /* a round's: after it settled its partition versions (st_lead) */
            st_change_notify(s);
        if (rc && sub.code)
            err_set(e, sub.code, "%s", sub.msg);
        return st_mdb_err(rc, e);
    }
}

/* ---- partition versions ------------------------------------------------------------
 * store_partition_version (store.h).  A version is read in one of three forms: 0 (none: the
 * slot is busy, a round writing it has not settled), the last txn id with bit 63 set (some
 * commit since this process's last round was not one of its rounds: valid while no commit at
 * all is made), or bit 62 and the newest of the slot's stamp and pv_gen (every commit up to
 * now was a round of this process, the last of which settled).  Stamps come from one clock,
 * so a slot's version grows with every write to it and every foreign commit seen.  A reader
 * that took version v before its read and finds v again later: no round wrote the slot
 * between (it would have marked the slot busy before its commit, and stamped it anew after),
 * and no other commit was made (the txn id form, or pv_gen, moved). */

size_t st_pv_slot(const store_t *s, const unsigned char *p, size_t n)
{
    /* the bytes a long key keeps (st_key_fix): the same slot whether it was shortened or not */
    if (s->maxkey > 8 && n > s->maxkey - 8)
        n = s->maxkey - 8;
    /* eight bytes a step (FNV-1a's byte a step was ~300 instructions a write); in memory
     * only, so its values may change from build to build */
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
    while (n > 0) {
        uint64_t w = 0;
        size_t k = n < 8 ? n : 8;
        memcpy(&w, p, k);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
        p += k;
        n -= k;
    }
    return (size_t)(h % ST_PV_SLOTS);
}

int st_pv_mark(store_t *s, size_t slot)
{
    if (atomic_fetch_or(&s->pv_slot[slot], 1) & 1)
        return 0; /* marked by this round already */
    if (s->n_pv_marked == s->cap_pv_marked) {
        size_t nc = s->cap_pv_marked ? s->cap_pv_marked * 2 : 64;
        uint16_t *g = realloc(s->pv_marked, nc * sizeof *g);
        if (!g) {
            atomic_fetch_and(&s->pv_slot[slot], ~(uint64_t)1);
            return ERR_NOMEM;
        }
        s->pv_marked = g;
        s->cap_pv_marked = nc;
    }
    s->pv_marked[s->n_pv_marked++] = (uint16_t)slot;
    return 0;
}

void st_pv_settle(store_t *s, uint64_t txnid)
{
    if (txnid && txnid - 1 != atomic_load(&s->pv_own))
        atomic_store(&s->pv_gen, atomic_fetch_add(&s->pv_clock, 1) + 1);
    for (size_t i = 0; i < s->n_pv_marked; i++)
        atomic_store(&s->pv_slot[s->pv_marked[i]], (atomic_fetch_add(&s->pv_clock, 1) + 1) << 1);
    s->n_pv_marked = 0;
    if (txnid)
        atomic_store(&s->pv_own, txnid);
}

uint64_t store_partition_version(store_t *s, const store_table *t, const av_t *hash)
{
    if (!s || !t || !hash || hash->type != t->key.hash_type)
        return 0;
    uint64_t own = atomic_load(&s->pv_own), last = st_last_txnid(s);
    if (last == 0)
        return 0;
    if (last != own)
        return last | ((uint64_t)1 << 63);
    buf_t b;
    buf_init(&b, 0);
    int rc = st_key_prefix(&b, t->id, 0);
    if (rc == 0)
        rc = st_key_add(&b, hash);
    size_t slot = rc == 0 ? st_pv_slot(s, b.data, b.len) : 0;
    buf_fini(&b);
    if (rc)
        return 0;
    uint64_t v = atomic_load(&s->pv_slot[slot]);
    if (v & 1)
        return 0;
    uint64_t g = atomic_load(&s->pv_gen);
    v >>= 1;
    return ((uint64_t)1 << 62) | (v > g ? v : g);
}

/* ---- commit notification ----------------------------------------------------------
 * Lets a reader (the messaging event streams) sleep until the data changes instead of
 * polling the tables (store.h: store_change_seq / store_change_wait).  The sequence is
 * LMDB's last transaction id, which every write transaction of every process sharing the
 * data dir advances (it lives in the shared lock file).  Commits of this process wake the
 * waiters at once (st_change_notify, after each write txn; a group-commit round's once it
 * settled its partition versions, st_lead, so a woken reader's versions are settled); commits of
 * other processes (e.g. `ddbchat send` while `ddbchat serve` runs) are noticed by re-reading
 * the id every STORE_CHANGE_POLL_MS, only while someone waits.  Hot-path cost when nobody
 * waits: one fence and one atomic load per write transaction.  tests/unit/store/test_notify.c. */

#define STORE_CHANGE_POLL_MS 50

/* Like store_open's other mutexes and condvars: with default attributes (and the monotonic
 * clock) glibc's init functions cannot fail. */
void st_change_init(store_t *s)
{
    base_cond_init_mono(&s->chcv);
    pthread_mutex_init(&s->chmu, NULL);
    atomic_init(&s->ch_waiters, 0);
}

void st_change_fini(store_t *s)
{
    pthread_mutex_destroy(&s->chmu);
    pthread_cond_destroy(&s->chcv);
}

void st_change_notify(store_t *s)
{
    /* pairs with the waiter's increment: either it sees our commit's id or we see it waiting
     * (and a miss would only cost one poll interval) */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load(&s->ch_waiters) == 0)
        return;
    pthread_mutex_lock(&s->chmu);
    pthread_cond_broadcast(&s->chcv);
    pthread_mutex_unlock(&s->chmu);
}

uint64_t store_change_seq(store_t *s)
{
    return s ? st_last_txnid(s) : 0;
}

uint64_t store_change_wait(store_t *s, uint64_t seen, int timeout_ms)
{
    uint64_t cur = store_change_seq(s);
    if (cur != seen || timeout_ms <= 0)
        return cur;
    int64_t deadline = base_mono_ms() + timeout_ms;
    pthread_mutex_lock(&s->chmu);
    atomic_fetch_add(&s->ch_waiters, 1);
    for (;;) {
        cur = store_change_seq(s);
        int64_t now = base_mono_ms();
        if (cur != seen || now >= deadline)
            break;
        int64_t until = now + STORE_CHANGE_POLL_MS < deadline ? now + STORE_CHANGE_POLL_MS
                                                              : deadline;
        struct timespec ts = {(time_t)(until / 1000), (long)(until % 1000) * 1000000L};
        pthread_cond_timedwait(&s->chcv, &s->chmu, &ts);
    }
    atomic_fetch_sub(&s->ch_waiters, 1);
    pthread_mutex_unlock(&s->chmu);
    return cur;
}

/* ---- the background threads' signals -----------------------------------------------
 * The state lives in store_t; the threads (maint.c, ttl.c) are started and stopped by
 * open.c.  Lower modules read or set it here instead of calling up into the threads. */

void st_work_start(store_t *s)
{
    pthread_mutex_lock(&s->work.mu);
    s->work_pending = true;
    s->work_now = true;
    pthread_cond_broadcast(&s->work.cv);
    pthread_mutex_unlock(&s->work.mu);
}

void st_work_kick(store_t *s)
{
    pthread_mutex_lock(&s->work.mu);
    s->work_pending = true;
    pthread_cond_signal(&s->work.cv);
    pthread_mutex_unlock(&s->work.mu);
}

void st_thread_init(st_thread *t)
{
    pthread_mutex_init(&t->mu, NULL);
    base_cond_init_mono(&t->cv);
    t->stop = t->running = false;
}

void st_thread_fini(st_thread *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
}

int st_thread_start(st_thread *t, void *(*fn)(void *), store_t *s, const char *what, err_t *e)
{
    if (pthread_create(&t->id, NULL, fn, s) != 0)
        return err_set(e, ERR_INTERNAL, "cannot start the %s thread", what);
    t->running = true;
    return 0;
}

void st_thread_stop(st_thread *t)
{
    if (!t->running)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->id, NULL);
    t->running = false;
}

bool st_ttl_stopping(store_t *s)
{
    pthread_mutex_lock(&s->ttl.mu);
    bool stop = s->ttl.stop;
    pthread_mutex_unlock(&s->ttl.mu);
    return stop;
}

/* ---- meta ------------------------------------------------------------------------- */

int st_meta_get_u64(store_t *s, MDB_txn *txn, const char *key, uint64_t *out)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(txn, s->db_meta, &k, &v);
    *out = 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    *out = base_le_get(v.mv_data, v.mv_size < 8 ? (int)v.mv_size : 8);
    return 0;
}

int st_meta_put_u64(store_t *s, MDB_txn *txn, const char *key, uint64_t v)
{
    unsigned char b[8];
    base_le_put(b, v, 8);
    MDB_val k = {strlen(key), (void *)key}, d = {8, b};
    return mdb_put(txn, s->db_meta, &k, &d, 0);
}

/* ---- secrets kept in the data dir (store_secret) ---- */

#define ST_SECRET_MAX 64

typedef struct secret_ctx {
    MDB_val k;
    unsigned char *out;
    size_t len;
} secret_ctx;

static int st_random(void *out, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom((unsigned char *)out + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ERR_IO;
        got += (size_t)n;
    }
    return 0;
}

/* The meta key of secret name into kb (ST_SECRET_KEY bytes); c->k set.  ERR_INTERNAL for a
 * bad name or length. */
#define ST_SECRET_KEY 80
static int st_secret_key(const char *name, size_t len, char *kb, secret_ctx *c, err_t *e)
{
    int kn = snprintf(kb, ST_SECRET_KEY, "secret/%s", name);
    if (kn < 0 || kn >= ST_SECRET_KEY || len == 0 || len > ST_SECRET_MAX)
        return err_set(e, ERR_INTERNAL, "bad secret name or length");
    c->k = (MDB_val){(size_t)kn, kb};
    c->len = len;
    return 0;
}

/* In the write txn: the kept secret, or a new one put there (another process may have put
 * it since the read). */
static int st_secret_txn(store_t *s, MDB_txn *txn, void *vctx, err_t *e)
{
    secret_ctx *c = vctx;
    MDB_val v;
    int rc = mdb_get(txn, s->db_meta, &c->k, &v);
    if (rc == 0 && v.mv_size == c->len) {
        if (c->out)
            memcpy(c->out, v.mv_data, c->len);
        return 0;
    }
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    unsigned char fresh[ST_SECRET_MAX];
    unsigned char *out = c->out ? c->out : fresh;
    if (st_random(out, c->len))
        return err_set(e, ERR_IO, "no random bytes for a secret");
    v.mv_size = c->len;
    v.mv_data = out;
    rc = mdb_put(txn, s->db_meta, &c->k, &v, 0);
    memset(fresh, 0, sizeof fresh);
    return rc;
}

int st_secret_make(store_t *s, MDB_txn *txn, const store_secret_def *def, err_t *e)
{
    char kb[ST_SECRET_KEY];
    secret_ctx c = {.out = NULL};
    int rc = st_secret_key(def->name, def->len, kb, &c, e);
    return rc ? rc : st_secret_txn(s, txn, &c, e);
}

int store_secret(store_t *s, const char *name, void *out, size_t len, err_t *e)
{
    char kb[ST_SECRET_KEY];
    secret_ctx c = {.out = out};
    int rc = st_secret_key(name, len, kb, &c, e);
    if (rc)
        return rc;
    MDB_txn *txn;
    rc = st_rtxn_begin(s, &txn);
    if (rc)
        return st_mdb_err(rc, e);
    MDB_val v;
    rc = mdb_get(txn, s->db_meta, &c.k, &v);
    bool kept = rc == 0 && v.mv_size == len;
    if (kept)
        memcpy(out, v.mv_data, len);
    st_rtxn_end(s, txn);
    if (kept)
        return 0;
    if (rc && rc != MDB_NOTFOUND)
        return st_mdb_err(rc, e);
    if (s->opts.read_only) /* nothing can be kept: this process's own */
        return st_random(out, len) ? err_set(e, ERR_IO, "no random bytes for a secret") : 0;
    /* its meta page not synced here (the next durable commit makes it durable, and whatever
     * it signs needs a table first, whose CreateTable is such a commit); LMDB's commit still
     * syncs the data pages (a fresh data dir's start-up paid one such commit a secret until
     * store_opts.secrets had the open make them) */
    return st_write_txn_ex(s, st_secret_txn, &c, e);
}

/* The meta DB's key of the counter record of (tid, iid): "c" tid(BE4) iid. */
static void st_cnt_key(unsigned char k[1 + ST_PREFIX_LEN], uint32_t tid, uint8_t iid)
{
    k[0] = 'c';
    st_prefix5(k + 1, tid, iid);
}

int st_cnt_get(store_t *s, MDB_txn *txn, uint32_t tid, uint8_t iid, uint64_t *out_count,
               uint64_t *out_bytes)
{
    unsigned char kb[1 + ST_PREFIX_LEN];
    st_cnt_key(kb, tid, iid);
    MDB_val k = {sizeof kb, kb}, v;
    *out_count = *out_bytes = 0;
    int rc = mdb_get(txn, s->db_meta, &k, &v);
    if (rc)
        return rc;
    if (v.mv_size != ST_CNT_LEN)
        return MDB_NOTFOUND;
    *out_count = base_le_get((unsigned char *)v.mv_data + 1, 8);
    *out_bytes = base_le_get((unsigned char *)v.mv_data + 9, 8);
    return 0;
}

int st_cnt_put(store_t *s, MDB_txn *txn, uint32_t tid, uint8_t iid, uint64_t count,
               uint64_t bytes)
{
    unsigned char kb[1 + ST_PREFIX_LEN], vb[ST_CNT_LEN];
    st_cnt_key(kb, tid, iid);
    vb[0] = STORE_CNT_VERSION;
    base_le_put(vb + 1, count, 8);
    base_le_put(vb + 9, bytes, 8);
    MDB_val k = {sizeof kb, kb}, d = {sizeof vb, vb};
    return mdb_put(txn, s->db_meta, &k, &d, 0);
}

int st_count_add(store_t *s, MDB_txn *txn, uint32_t tid, uint8_t iid, int64_t dcount,
                 int64_t dbytes)
{
    if (dcount == 0 && dbytes == 0)
        return 0;
    uint64_t cnt, bytes;
    int rc = st_cnt_get(s, txn, tid, iid, &cnt, &bytes);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    cnt = (int64_t)cnt + dcount < 0 ? 0 : (uint64_t)((int64_t)cnt + dcount);
    bytes = (int64_t)bytes + dbytes < 0 ? 0 : (uint64_t)((int64_t)bytes + dbytes);
    return st_cnt_put(s, txn, tid, iid, cnt, bytes);
}

int store_table_stats(store_t *s, const store_table *t, const store_index *idx, uint64_t *out_count,
                      uint64_t *out_bytes, err_t *e)
{
    MDB_txn *txn;
    int rc = st_rtxn_begin(s, &txn);
    if (rc)
        return st_mdb_err(rc, e);
    rc = st_cnt_get(s, txn, t->id, idx ? idx->id : 0, out_count, out_bytes);
    if (rc == MDB_NOTFOUND)
        rc = 0;
    st_rtxn_end(s, txn);
    return st_mdb_err(rc, e);
}

/* ---- keys ------------------------------------------------------------------------- */

uint64_t st_hash64(const void *p, size_t n)
{
    const unsigned char *c = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 1099511628211ULL;
    }
    return h;
}

int st_key_prefix(buf_t *b, uint32_t tid, uint8_t iid)
{
    int rc = buf_reserve(b, ST_PREFIX_LEN);
    if (rc)
        return rc;
    st_prefix5(b->data + b->len, tid, iid);
    b->len += ST_PREFIX_LEN;
    return 0;
}

int st_key_add(buf_t *b, const av_t *v)
{
    return key_encode(v, b);
}

void st_key_fix(store_t *s, buf_t *b)
{
    if (b->len <= s->maxkey)
        return;
    uint64_t h = st_hash64(b->data, b->len);
    b->len = s->maxkey - 8;
    for (int i = 7; i >= 0; i--)
        buf_putc(b, (unsigned char)(h >> (8 * i))); /* cannot fail: len shrank */
}

bool st_prefix_succ(buf_t *b)
{
    while (b->len > 0 && b->data[b->len - 1] == 0xFF)
        b->len--;
    if (b->len == 0)
        return false;
    b->data[b->len - 1]++;
    return true;
}

static const av_t *st_attr(const av_t *item, const char *name)
{
    return av_map_get(item, name, strlen(name));
}

int st_key_base(store_t *s, const store_table *t, const av_t *item, buf_t *b)
{
    return st_key_base_of(s, t, st_attr(item, t->key.hash),
                          t->key.range[0] ? st_attr(item, t->key.range) : NULL, b);
}

int st_key_base_of(store_t *s, const store_table *t, const av_t *h, const av_t *r, buf_t *b)
{
    return st_key_base_of_n(s, t, h, r, b, NULL);
}

int st_key_base_of_n(store_t *s, const store_table *t, const av_t *h, const av_t *r, buf_t *b,
                     size_t *out_hash_end)
{
    if (!h || h->type != t->key.hash_type)
        return ERR_VALIDATION;
    int rc = st_key_prefix(b, t->id, 0);
    if (rc == 0)
        rc = st_key_add(b, h);
    if (out_hash_end)
        *out_hash_end = b->len;
    if (rc == 0 && t->key.range[0]) {
        if (!r || r->type != t->key.range_type)
            return ERR_VALIDATION;
        rc = st_key_add(b, r);
    }
    if (rc == 0)
        st_key_fix(s, b);
    return rc;
}

size_t store_key_attrs(const store_keydef *kd, const char **names, av_type *types,
                       size_t *out_nhash)
{
    size_t n = 0;
    names[n] = kd->hash;
    types[n++] = kd->hash_type;
    for (size_t i = 0; i < kd->n_xhash && i < STORE_KEY_PARTS - 1; i++) {
        names[n] = kd->xhash[i];
        types[n++] = kd->xhash_type[i];
    }
    if (out_nhash)
        *out_nhash = n;
    if (kd->range[0]) {
        names[n] = kd->range;
        types[n++] = kd->range_type;
        for (size_t i = 0; i < kd->n_xrange && i < STORE_KEY_PARTS - 1; i++) {
            names[n] = kd->xrange[i];
            types[n++] = kd->xrange_type[i];
        }
    }
    return n;
}

/* tkey: item's base record key when the caller has it (NULL: looked up here); an unshortened
 * one (shorter than s->maxkey: st_key_fix left it alone) ends with the encoding of the table's
 * key attributes, which an index entry's key ends with too, so its bytes are copied instead of
 * the attributes being looked up and encoded again. */
static int key_index(store_t *s, const store_table *t, const store_index *ix, const av_t *item,
                     const MDB_val *tkey, buf_t *b, bool *present, bool violations_too)
{
    *present = false;
    const char *names[STORE_KEY_ATTRS];
    av_type types[STORE_KEY_ATTRS];
    const av_t *v[STORE_KEY_ATTRS];
    size_t nhash, n = store_key_attrs(&ix->key, names, types, &nhash);
    for (size_t i = 0; i < n; i++) {
        v[i] = st_attr(item, names[i]);
        if (!v[i] || v[i]->type != types[i])
            return 0; /* sparse: not in the index */
        /* an index key violation (an item stored before the index existed): an empty S or B,
         * or one over the key limits, is not in the index (the Developer Guide's "Detecting
         * and correcting index key violations"); writes refuse such values once it exists */
        if (!violations_too && (v[i]->type == AV_S || v[i]->type == AV_B) &&
            (v[i]->u.str.len == 0 ||
             v[i]->u.str.len > (i < nhash ? AV_MAX_HASH_KEY_LEN : AV_MAX_RANGE_KEY_LEN)))
            return 0;
    }
    const size_t pre = 5; /* st_key_prefix's bytes: the table id and the index id */
    const av_t *th = NULL, *tr = NULL;
    if (tkey && (tkey->mv_size >= s->maxkey || tkey->mv_size <= pre))
        tkey = NULL;
    if (!tkey) {
        th = st_attr(item, t->key.hash);
        tr = t->key.range[0] ? st_attr(item, t->key.range) : NULL;
        if (!th || (t->key.range[0] && !tr))
            return 0;
    }
    int rc = st_key_prefix(b, t->id, ix->id);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = st_key_add(b, v[i]);
    if (rc == 0 && tkey)
        rc = buf_append(b, (const unsigned char *)tkey->mv_data + pre, tkey->mv_size - pre);
    if (rc == 0 && th)
        rc = st_key_add(b, th);
    if (rc == 0 && tr)
        rc = st_key_add(b, tr);
    if (rc == 0) {
        st_key_fix(s, b);
        *present = true;
    }
    return rc;
}

int st_key_index(store_t *s, const store_table *t, const store_index *ix, const av_t *item,
                 buf_t *b, bool *present)
{
    return key_index(s, t, ix, item, NULL, b, present, false);
}

int st_key_index_of(store_t *s, const store_table *t, const store_index *ix, const av_t *item,
                    const MDB_val *tkey, buf_t *b, bool *present)
{
    return key_index(s, t, ix, item, tkey, b, present, false);
}

int st_key_index_stored(store_t *s, const store_table *t, const store_index *ix,
                        const av_t *item, buf_t *b, bool *present)
{
    return key_index(s, t, ix, item, NULL, b, present, true);
}

int st_decode(arena_t *a, const MDB_val *v, av_t *out, err_t *e)
{
    return st_decode_kept(a, v, out, NULL, e);
}

int st_decode_here(arena_t *a, const MDB_val *v, av_t *out, err_t *e)
{
    int rc = av_decode(v->mv_data, v->mv_size, a, out);
    if (rc == ERR_NOMEM)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (rc)
        return err_set(e, ERR_INTERNAL, "corrupt stored item");
    return 0;
}

int st_decode_kept(arena_t *a, const MDB_val *v, av_t *out, MDB_val *out_raw, err_t *e)
{
    void *copy = arena_memdup(a, v->mv_data, v->mv_size ? v->mv_size : 1);
    if (!copy)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (out_raw) {
        out_raw->mv_size = v->mv_size;
        out_raw->mv_data = copy;
    }
    int rc = av_decode(copy, v->mv_size, a, out);
    if (rc == ERR_NOMEM)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (rc)
        return err_set(e, ERR_INTERNAL, "corrupt stored item");
    return 0;
}

void st_get_name(const av_t *m, const char *name, char *out)
{
    const av_t *v = av_map_gets(m, name);
    out[0] = 0;
    if (!v || v->type != AV_S)
        return;
    size_t n = v->u.str.len < STORE_NAME_MAX - 1 ? v->u.str.len : STORE_NAME_MAX - 1;
    memcpy(out, v->u.str.ptr, n);
    out[n] = 0;
}

static bool st_name_in(const av_kv *kv, const char *name)
{
    size_t n = strlen(name);
    return kv->name_len == n && memcmp(kv->name, name, n) == 0;
}

int st_project(const store_table *t, const store_index *ix, const av_t *item, arena_t *a, av_t *out)
{
    if (ix->proj == STORE_PROJ_ALL) {
        *out = *item;
        return 0;
    }
    av_kv *kv = arena_alloc(a, sizeof *kv * (item->u.map.n ? item->u.map.n : 1));
    if (!kv)
        return ERR_NOMEM;
    size_t n = 0;
    const char *names[STORE_KEY_ATTRS];
    av_type types[STORE_KEY_ATTRS];
    size_t nk = store_key_attrs(&ix->key, names, types, NULL);
    for (size_t i = 0; i < item->u.map.n; i++) {
        const av_kv *m = &item->u.map.kv[i];
        bool keep = st_name_in(m, t->key.hash) || (t->key.range[0] && st_name_in(m, t->key.range));
        for (size_t j = 0; !keep && j < nk; j++)
            keep = st_name_in(m, names[j]);
        for (size_t j = 0; !keep && ix->proj == STORE_PROJ_INCLUDE && j < ix->n_include; j++)
            keep = st_name_in(m, ix->include[j]);
        if (keep)
            kv[n++] = *m;
    }
    out->type = AV_M;
    out->u.map.kv = kv;
    out->u.map.n = n;
    return 0;
}
