/*
 * store_int — what the store's modules share.  Layer: store (private).
 *
 * On-disk layout (one LMDB env, four named DBs):
 *   meta     "version"            -> u8 STORE_FORMAT_VERSION
 *            "format"             -> "ddbchat" (from format 2: names the data dir as ours)
 *            "gen"                -> u64 LE catalog generation (bumped by every catalog change)
 *            "next_tid"           -> u32 LE next table id (ids are never reused)
 *            "c" tid(BE4) iid(1)  -> {u8 version, u64 LE count, u64 LE bytes} per table/index
 *            "d" tid(BE4)         -> pending removal of a deleted table's data
 *            "i" tid(BE4) iid(1)  -> pending removal of a dropped index's entries
 *            "sseq"               -> u64 LE last stream sequence number handed out
 *            "next_sid"           -> u64 LE next stream id
 *            "p" tid(BE4)         -> point-in-time recovery state of a table (pitr.h)
 *            "h" tid(BE4) ms(BE8) txnid(BE8) n(BE4) -> a PITR history record (pitr.h)
 *            "k" tid(BE4) enc(hash)  -> {u8 version, u64 LE bytes}: the size of an item
 *            collection of a table with an LSI (coll.c; absent = computed by a scan)
 *   catalog  table name           -> u8 STORE_CAT_VERSION + av_encode(M describing the table)
 *            (STORE_CAT_VERSION_MULTIKEY when an index key has several attributes: builds
 *            that predate them refuse the record instead of misreading the index)
 *   data     tid(BE4) 0 enc(hash) [enc(range)]                      -> av_encode(item)
 *            tid(BE4) iid enc(ihash)... [enc(irange)...] enc(hash) [enc(range)]
 *                                                           -> av_encode(projection)
 *            (an index key's attributes in key-schema order: up to 4 partition, 4 sort)
 *   streams  'S' sid(BE4) -> stream descriptor; 'R' sid(BE4) seq(BE8) -> stream record
 *            (stream.c; from format 3)
 * A key longer than LMDB's maximum is stored as its first (max-8) bytes plus an 8-byte hash of
 * the whole key (st_key_fix); reads re-check every key condition on the decoded item, so only
 * the relative order of such over-long keys sharing that prefix is approximate.
 *
 * Modules, each calling only those before it (no cycles):
 *   store.c (txns, map, commit notification, reader slots, meta, keys, record fields)
 *   <-  stream.c (stream records, descriptors, reads, trimming)  <-  catalog.c (catalog
 *   cache, pins, store_table_alter, backfill, removal)  <-  pitr.c (PITR history)  <-
 *   commit.c (group commit)  <-  ttl.c (reaper)  <-  maint.c (index work: backfills,
 *   removals, retries of failed table work)  <-  open.c (store_open / store_close); coll.c
 *   (item collection sizes) uses store.c and is called by commit.c; query.c (reads) uses
 *   store.c and lag.c only (lag.c: the opt-in GSI lag; uses store.c; fed by commit.c).  A
 *   lower module asks a higher one for work, or whether it stops, through store_t state
 *   only (st_work_kick / st_work_start / st_ttl_stopping, store.c), never by calling it.
 *   backup.c (copies, snapshots, dumps) uses store.c; doctor.c (checks, index rebuilds)
 *   uses store.c and catalog.c.
 *
 * Locks (always taken in this order, never the reverse):
 *   maplock (rwlock, writer-preferring): held shared for the life of every LMDB txn of this
 *            process, exclusively to change the map size (MDB_MAP_FULL / MDB_MAP_RESIZED).
 *   catlock (rwlock): the in-memory catalog.  Never held while waiting for maplock.
 *   qmu:     the group-commit queue (never held while in an LMDB txn or a sync).
 */
#ifndef DDB_STORE_STORE_INT_H
#define DDB_STORE_STORE_INT_H

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>

#include "base/buf.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "store/store.h"

#define STORE_FORMAT_VERSION 3 /* history and upgrades: open.c */
#define STORE_CAT_VERSION 1 /* a catalog record's first byte (catalog.c) */
#define STORE_CAT_VERSION_MULTIKEY 2 /* ... of a table with a multi-attribute GSI key */
#define STORE_CNT_VERSION 1
#define ST_DEFAULT_MAP ((size_t)1 << 30)
#define ST_CAT_CHECK_MS 5      /* store_table_get looks at the generation at most this often */
#define ST_DELETE_BATCH 5000   /* keys removed per write txn by table/index removal */
#define ST_BACKFILL_BATCH 1000 /* items indexed per write txn by a backfill */
#define ST_WORK_RETRY_MS 200        /* first retry of failed table work (e.g. disk full) */
#define ST_WORK_RETRY_MAX_MS 10000  /* retries back off up to this */
#define ST_PHASE_MAX 256    /* --table-delay: index phases timed at once (catalog.c) */
#define ST_WORK_POLL_MS 1000 /* idle: index work left by another process is found this soon */
#define ST_STREAM_RETENTION_MS (24LL * 3600 * 1000) /* DynamoDB keeps stream records 24 h */
#define ST_STREAM_SHARD_MS (4LL * 3600 * 1000)      /* and closes a shard about every 4 h */
#define ST_SNAPSHOT_WARN_MS 60000 /* an old read snapshot is logged after this (store.c) */
#define ST_RPOOL_MAX 64 /* read txns kept for reuse (store.c); more are aborted */

/* A catalog entry: the public descriptor first, so a store_table* is a cat_ent*.
 * refs: 1 held by the in-memory catalog while the entry is current, plus 1 per pin; the
 * entry is freed by whoever drops the last one (catalog.c). */
typedef struct cat_ent {
    store_table t;
    unsigned char *raw; /* the catalog record as stored (to spot unchanged tables on reload) */
    size_t raw_len;
    uint8_t next_iid; /* next index id to hand out */
    _Atomic uint32_t refs;
    bool counted; /* in s->live_ents: installed in the cache by st_cat_refresh */
    _Atomic(store_memo *) memo; /* the user's (store_table_memo_set), freed with the entry */
    _Atomic uint8_t mark;       /* the user's bits (store_table_mark_set) */
} cat_ent;

/* One caller's batch in the group-commit queue. */
typedef struct wreq {
    store_write *w;
    size_t n;
    bool atomic;
    int rc;
    err_t err;
    _Atomic uint32_t state; /* WQ_WAIT, WQ_LEAD (promoted: runs the next round) or WQ_DONE;
                               a futex the first of a batch sleeps on (commit.c, st_wq_post) */
    uint64_t batch;         /* s->qbatch when it queued (commit.c, st_wq_sleep) */
    bool first;             /* the first queued of its batch (the only one promotable) */
    struct wreq *next;
    /* a caller that does not wait (store_write_each_later; malloc'ed, freed once answered):
     * answered by calling done after the covering sync, on the thread that led its round;
     * promoted, it is led by a committer thread (commit.c st_committer_main) */
    store_done_fn done;
    void *done_ctx;
    int64_t queued_ms;  /* when it was queued (base_mono_ms), if opts.later_wait_ms */
    struct wreq *lnext; /* st_lead's list of its round's later callers */
    buf_t pre;          /* what its writes' pre point into (commit.c st_prep), freed with it */
} wreq;

/* committer threads (commit.c): one leads a round while another waits for the commit that
 * makes its own round durable and a third answers its round's callers; with two, 0.63 rounds
 * in 1 found no committer idle and synced their meta page themselves (with three 0.27-0.36) */
#define ST_COMMITTERS 3

#define ST_WAKE_SLOTS 64 /* futex words the callers of a batch sleep on (commit.c) */
#define ST_PV_SLOTS 4096 /* partition versions (store_partition_version): partitions share them;
                          a round of 20 sends marks ~80 */
/* A durable round keeps data.mdb written (zeros) at least ST_PREALLOC_LOW bytes past LMDB's
 * last used page, extending it to ST_PREALLOC_BYTES past it; after a failed extension, none
 * for ST_PREALLOC_PAUSE rounds (commit.c st_prealloc) */
#define ST_PREALLOC_BYTES ((uint64_t)2 << 20)
#define ST_PREALLOC_LOW ((uint64_t)1 << 20)
#define ST_PREALLOC_PAUSE 256

/* A background thread of the store that a flag stops: the TTL reaper (ttl.c) and the
 * maintenance thread (maint.c).  Its wake-ups and `stop` are under mu; cv is on the monotonic
 * clock, so its timed waits are intervals (test_ttl.c test_ttl_thread_wall_clock_step).
 * st_thread_init / st_thread_fini (open.c) bracket it; st_thread_start runs fn(s) and sets
 * running (ERR_INTERNAL "cannot start the <what> thread"); st_thread_stop sets stop under mu,
 * wakes the thread and joins it, and does nothing for a thread that never started (store.c). */
typedef struct st_thread {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    bool running;
    pthread_t id;
} st_thread;
void st_thread_init(st_thread *t);
void st_thread_fini(st_thread *t);
int st_thread_start(st_thread *t, void *(*fn)(void *), store_t *s, const char *what, err_t *e);
void st_thread_stop(st_thread *t);

struct store {
    MDB_env *env;
    MDB_dbi db_meta, db_cat, db_data;
    MDB_dbi db_streams; /* 0 when absent (a read-only open of a format-2 data dir) */
    store_opts opts;
    unsigned maxkey;

    pthread_rwlock_t maplock;
    size_t mapsize;
    /* threads waiting to take maplock exclusively (st_map_wrlock): a long read lets them in
     * between its steps (st_map_yield) */
    _Atomic int map_waiters;
    /* long reads may let a grower in (st_map_yield_wanted): only with LMDB 0.9.x, whose
     * internals that relies on (set at open from mdb_version) */
    bool map_yield_ok;

    /* read txns kept between reads (store.c st_rtxn_begin/_end): each keeps its reader slot
     * (MDB_NOTLS).  One given back while its snapshot is still the last commit stays live
     * (rpool_snap[i] its txn id) and is handed out again as it is, as long as no commit
     * followed; the others are reset (rpool_snap[i] 0: no snapshot pinned) and renewed when
     * handed out.  A live one is reset after the next commit of this process (st_txn_run,
     * under maplock shared) and at the maintenance thread's next tick when another process
     * committed (st_readers_check), so it never keeps a page from being used again for
     * longer than that.  Under rpmu; emptied by store_close before the env closes. */
    pthread_mutex_t rpmu;
    MDB_txn *rpool[ST_RPOOL_MAX];
    uint64_t rpool_snap[ST_RPOOL_MAX];
    size_t n_rpool, n_rlive;

    pthread_rwlock_t catlock;
    cat_ent **tabs; /* sorted by name */
    size_t n_tabs, cap_tabs;
    uint64_t cat_gen;
    _Atomic size_t live_ents; /* cat_ents installed in the cache and not yet freed: a
                                 reload's or an alter's scratch decodes don't count
                                 (store_live_tables) */
    _Atomic int64_t cat_checked_ms;

    pthread_mutex_t qmu;
    pthread_cond_t qcv; /* broadcast when the last round in flight finishes (store_close) */
    wreq *qhead, *qtail;
    bool stopping;
    bool committer_running; /* writes accepted (not read-only, not closed) */
    bool leader_active;     /* a caller is running a round's LMDB txn (commit.c) */
    int inflight;           /* rounds taken from the queue and not yet answered */
    uint64_t round_seq;     /* rounds taken from the queue so far (commit.c) */
    uint64_t round_done;    /* the last round whose txn has been committed or given up */
    uint64_t dur_txnid;     /* every LMDB txn up to this id is known to be on disk */
    pthread_cond_t durcv;   /* broadcast when round_done or dur_txnid moves */
    uint64_t qbatch;        /* batches taken from the queue so far: the queue is the next */
    _Atomic uint32_t wake[ST_WAKE_SLOTS]; /* batch b's callers but its first sleep on
                                             wake[b % ST_WAKE_SLOTS] (commit.c) */
    _Atomic uint32_t sleepers; /* callers not first in their batch that may still read their
                                  word, plus ST_SLEEPERS_CLOSING once store_close waits on it
                                  (commit.c st_sleeper_gone) */
    uint64_t prealloc_end;   /* data.mdb holds written bytes up to here (commit.c st_prealloc;
                                only inside a round's write txn) */
    uint64_t prealloc_rounds, prealloc_retry; /* rounds seen by st_prealloc; none tried
                                                 before prealloc_retry (after a failed one) */
    /* the write half's buffers (commit.c st_write_store): the new item's encoding, an index
     * entry's key and value; used only inside a round's write txn (one at a time), kept from
     * one write to the next (released past ST_WBUF_KEEP bytes) */
    buf_t wb_item, wb_ikey, wb_ival;
    unsigned test_gap_us; /* test aid (test_commit), 0 otherwise: a caller that is not first
                             in its batch pauses this long between queuing and its sleep */
    store_commit_stats cstats; /* under qmu; its other_txns unused (other_txns below) */
    uint64_t other_txns;       /* store_commit_stats' other_txns: relaxed atomics, no lock */
    /* partition versions (store.c, store_partition_version): a write round marks the slot of
     * each partition it writes busy (bit 0) inside its txn and, once its commit is done or
     * given up, stamps it from pv_clock (stamp << 1); pv_gen is the stamp of the last commit
     * that was not a round of this process (seen at the next round's end), pv_own the txn id
     * of this process's last committed round.  pv_marked lists the slots the round in flight
     * marked (only inside a round: one at a time). */
    _Atomic uint64_t pv_clock, pv_gen, pv_own;
    _Atomic uint64_t pv_slot[ST_PV_SLOTS];
    uint16_t *pv_marked;
    size_t n_pv_marked, cap_pv_marked;
    /* rounds failed since the last one that committed (commit.c: a failure is logged when
     * commits start failing, the count when one works again) */
    atomic_uint_fast64_t commit_failed;
    /* committer threads (commit.c), started by the first store_write_each_later; under qmu */
    pthread_t cthr[ST_COMMITTERS];
    unsigned n_cthr, cidle; /* started; waiting on ccv */
    bool clead;             /* a round headed by a later caller waits for a committer */
    struct st_tail *tails;  /* rounds a committer handed over to be ended (commit.c st_lead) */
    unsigned n_tails;
    bool cstop;
    pthread_cond_t ccv; /* clead or cstop was set */

    st_thread ttl; /* the reaper (ttl.c) */
    /* stream descriptors the stream pass and the listing could not decode and pass over
     * (stream.c): each said once; under badmu (the TTL thread and request threads) */
    pthread_mutex_t badmu;
    uint32_t bad_sdesc[16];
    unsigned n_bad_sdesc;

    /* left-over table work (removals, backfills) that failed and waits for a retry: set by
     * st_work_kick (store.c), taken by the maintenance thread (maint.c); under work.mu */
    st_thread work; /* the maintenance thread (maint.c) */
    bool work_pending;
    bool work_now; /* new work (st_work_start): no back-off before it */
    unsigned alters; /* store_table_alter calls between their commit and their pin: the
                        thread starts no work meanwhile, so `out` is the table as that
                        change left it (an added GSI still backfilling) */
    bool work_waits_alters; /* the thread waits on work.cv for alters to reach 0 */
    /* mdb_reader_check, or a unit test's stand-in (set under work.mu) */
    int (*readers_check)(MDB_env *env, int *dead);
    /* store.c st_readers_check, the maintenance thread's alone: when it last ran (base_mono_ms)
     * and whether it is failing (logged once) */
    int64_t readers_checked_ms;
    /* the last reader check failed (logged once until one works): the maintenance thread's
     * and a write's own check (st_readers_free_now) both set it */
    _Atomic bool readers_failing;
    /* the oldest read snapshot of the reader table (st_snapshot_watch, the maintenance
     * thread's): its txn id and process, since when it has been the oldest (base_mono_ms),
     * whether it was logged; snap_age_ms/snap_pid are read by store_env_stats_get (atomics:
     * 0 when no snapshot is behind the last commit) */
    uint64_t snap_txnid;
    int snap_pid_seen;
    int64_t snap_since_ms;
    /* ... and the oldest of another process, the one a warning names (this process's own
     * are left out: test_store.c test_own_old_snapshot_not_warned) */
    uint64_t warn_txnid;
    int warn_pid;
    int64_t warn_since_ms;
    bool snap_warned;
    _Atomic int64_t snap_age_ms;
    _Atomic int snap_pid;
    /* opts.index_phase_ms (`serve --table-delay`), the maintenance thread's alone (catalog.c
     * st_phase_left): when it first saw each index's allocation phase or removal (base_mono_ms),
     * at most ST_PHASE_MAX of them (past that an index waits no phase); and how long until the
     * earliest such phase ends when a round skipped one (0: none), which maint.c waits (woken
     * by new work) before the next round */
    struct st_phase {
        uint32_t tid;
        int key; /* the index id, + 256 for a removal */
        int64_t since;
    } phases[ST_PHASE_MAX];
    size_t n_phases;
    int64_t phase_wait_ms;

    /* pitr.c: the commit round's clock (round_ms; last_ms, the newest stamp given) and record
     * counter, and the recovery state of the last table looked up in this round, touched only
     * inside write txns (serialised); the history's clock (clk_us, its last reading in
     * microseconds, taken at the monotonic clk_mono_us), under clkmu, since store_pitr_now
     * also reads it */
    struct {
        int64_t round_ms, last_ms, clk_us, clk_mono_us;
        uint32_t n, tid;
        bool cached, on;
        pthread_mutex_t clkmu;
    } pitr;

    pthread_mutex_t chmu; /* store.c: commit notification */
    pthread_cond_t chcv;  /* broadcast after a write txn commits, while ch_waiters > 0 */
    atomic_int ch_waiters;

    pthread_mutex_t lagmu;    /* lag.c: notes of recent GSI changes (opts.gsi_lag_ms > 0) */
    struct st_lag_note **lag; /* [lag_head, lag_n) in time order */
    size_t lag_head, lag_n, lag_cap;
};

/* ---- lag.c: the opt-in GSI replication lag ---- */
typedef struct st_lag_note st_lag_note_t;
/* One GSI key changed within the lag: its value as of `lag` ms ago (before NULL: absent). */
typedef struct st_lag_view {
    const unsigned char *key, *before;
    size_t klen, blen;
} st_lag_view;
void st_lag_init(store_t *s);
void st_lag_fini(store_t *s);
/* Notes that a write (in its txn, before the commit) changes the entry `key` of index iid of
 * table tid, whose value before the write is `before` (NULL: no entry).  0 or ERR_NOMEM. */
int st_lag_note(store_t *s, uint32_t tid, uint8_t iid, const void *key, size_t klen,
                const void *before, size_t blen);
/* The keys of index iid of table tid changed within the lag, in LMDB key order, each with its
 * value as of `lag` ms ago (arena copies).  0 or ERR_NOMEM. */
int st_lag_view_get(store_t *s, uint32_t tid, uint8_t iid, arena_t *a, st_lag_view **out,
                    size_t *out_n);

/* ---- pitr.c: point-in-time recovery history (commit.c calls these) ---- */
/* At the start of a commit round (before its first write). */
void st_pitr_round_begin(store_t *s);
/* At open: the commit rounds' clock starts at the newest history record's time, so a server
 * started with its clock stepped back writes no history before what it already holds (the
 * restore of a moment would skip those changes).  Best effort: a failed read seeds 0. */
void st_pitr_seed(store_t *s, MDB_txn *txn);
/* Before a change of the item at data key `key` of table tid is written in txn: its history
 * record when the table has recovery enabled (old: the stored item, NULL when absent).
 * 0 or an MDB error. */
int st_pitr_put(store_t *s, MDB_txn *txn, uint32_t tid, const MDB_val *key, const MDB_val *old);

/* Whether t->idx[i] has the name of an index before it (a definition that names an index
 * twice: refused by create and alter, found and mended by doctor). */
bool st_index_named_before(const store_table *t, size_t i);

/* ---- coll.c: item collection sizes (tables with an LSI) ---- */
/* True when t has a local secondary index (its collections are counted). */
bool st_coll_on(const store_table *t);
/* The limit in bytes (store_opts.item_collection_limit or the default). */
uint64_t st_coll_limit(const store_t *s);
/* The size of the collection of partition key value h of t, as of txn (a missing counter is
 * computed by a scan: call it before the write changes anything).  0 or an MDB error. */
int st_coll_size(store_t *s, MDB_txn *txn, const store_table *t, const av_t *h, uint64_t *out);
/* Stores cur + delta as that size in txn (cur: st_coll_size before the write); *out: the new
 * size.  ERR_ITEM_COLLECTION_SIZE_LIMIT (nothing written, *out = cur) when delta > 0 and the
 * result exceeds the limit; else 0 or an MDB error. */
int st_coll_add(store_t *s, MDB_txn *txn, const store_table *t, const av_t *h, uint64_t cur,
                int64_t delta, uint64_t *out);

/* ---- store.c: commit notification ---- */
void st_change_init(store_t *s);
void st_change_fini(store_t *s);
/* After a write txn committed: wakes store_change_wait callers (cheap when none wait). */
void st_change_notify(store_t *s);

/* ---- store.c: txns, map growth ---- */
/* A read txn (maplock held shared until st_rtxn_end).  Returns 0 or an MDB error. */
int st_rtxn_begin(store_t *s, MDB_txn **out);
void st_rtxn_end(store_t *s, MDB_txn *txn);
/* Read txns kept for reuse right now, and how many of them hold a live snapshot (tests). */
size_t st_rpool_count(store_t *s);
size_t st_rpool_live(store_t *s);
/* Resets the kept read txns whose snapshot is not the last commit's (every live one when
 * all): a commit of this process, the maintenance thread's tick, a map size change.  The
 * caller holds maplock (shared, or exclusively for a map size change). */
void st_rpool_release(store_t *s, bool all);
/* Aborts the kept read txns (store_close, before the env closes). */
void st_rpool_drain(store_t *s);
/* True when this thread is inside one of the store's txns (holds maplock). */
bool st_map_held(const store_t *s);
/* Frees the LMDB reader slots of processes that exited inside a read txn (mdb_reader_check,
 * or the unit tests' stand-in s->readers_check); a failure is logged once until it works
 * again.  The maintenance thread only: after its idle waits and its back-off waits. */
void st_readers_check(store_t *s);
/* st_readers_check when ST_WORK_POLL_MS have passed since the last look: between the batches
 * of a long round of table work (a backfill of a big table takes minutes, and writes all the
 * while).  The maintenance thread only. */
void st_readers_poll(store_t *s);
/* The id of the last committed LMDB txn (by any process sharing the data dir); 0 when
 * unknown.  Takes maplock shared: mdb_env_info reads the meta pages, which a map growth
 * (st_write_txn_ex on MDB_MAP_FULL, another thread) unmaps and maps again. */
uint64_t st_last_txnid(store_t *s);
/* mdb_env_info and mdb_env_stat of the env into out_info and out_stat, under maplock shared
 * (both read the meta pages through the data map, which a map growth in another thread
 * unmaps and maps again; /metrics called them bare and could crash in mdb_env_info:
 * test_backup.c test_env_stats_during_map_growth).  0 or LMDB's error.  Not with maplock
 * held exclusively. */
int st_env_info(store_t *s, MDB_envinfo *out_info, MDB_stat *out_stat);
/* Maps the env at size bytes (maplock held exclusively, no txn of this process open but
 * the long reads that let it in, st_map_yield): 0, or the errno of a mapping the address
 * space refused, the env's old map kept. */
int st_map_resize(store_t *s, size_t size);
/* Takes maplock exclusively (a map growth or adoption), counted as waiting meanwhile so
 * that long reads let it in (st_map_yield). */
void st_map_wrlock(store_t *s);
/* For a long read that holds one snapshot over a whole table (store_table_snapshot: a
 * CreateBackup, an export), between two of its steps: true when a map growth or adoption
 * waits for maplock.  The reader then closes its cursors, keeps no pointer into the map,
 * and calls st_map_yield, which lets maplock go and takes it again once the map changed;
 * its txn and so its snapshot live on, and it reopens its cursor where it was.  False when
 * the caller's hold rides on an outer one (a nested read): it cannot let that go.
 * This is against mdb_env_set_mapsize's documented rule ("may be called at later times if
 * no transactions are active in this process"): it relies on LMDB 0.9's internals, checked
 * in 0.9.24 (Debian 12's liblmdb0; review32 r32c): a read txn keeps copies of its DB records
 * and page numbers, not addresses, outside its cursors, its reader slot is in the lock
 * file's map (not remapped), and mdb_page_get computes each page's address from the
 * current map.  So it is allowed only with LMDB 0.9.x (s->map_yield_ok, from mdb_version at
 * open); with another version this is always false and a growth waits for the long read
 * to end, as before.  test_backup.c test_snapshot_keeps_its_content_across_remaps catches
 * a liblmdb that breaks it, test_snapshot_without_yield_holds_the_growth the fallback. */
bool st_map_yield_wanted(store_t *s);
void st_map_yield(store_t *s);
/* A long read's step to its cursor's next entry, letting a waiting grower in first when one
 * waits (st_map_yield_wanted): *cur, at key *k, is closed, the grower let in, *cur opened
 * again on dbi in txn and moved past *k.  Returns what the move returned (0 with *k, *v the
 * next entry, MDB_NOTFOUND at the end) or an LMDB error (*cur NULL when it could not be
 * opened again).  Every pointer into the map the caller read before is stale after a yield:
 * it copies out what it keeps first (store_table_snapshot, store_pitr_snapshot). */
int st_cursor_next_yielding(store_t *s, MDB_txn *txn, MDB_dbi dbi, MDB_cursor **cur, MDB_val *k,
                            MDB_val *v);

/* Runs fn in a write txn and commits; on MDB_MAP_FULL grows the map and runs fn again.
 * fn returns 0 (commit), a negative ERR_* (abort, returned), or an MDB error (abort; MAP_FULL
 * retried, others become ERR_IO). */
typedef int (*st_txn_fn)(store_t *s, MDB_txn *txn, void *ctx, err_t *e);
int st_write_txn(store_t *s, st_txn_fn fn, void *ctx, err_t *e);
/* st_write_txn without the final st_sync_meta: when durable, the txn is not durable until
 * st_sync_meta (or the next durable commit) returns; the caller must not report it before. */
int st_write_txn_ex(store_t *s, st_txn_fn fn, void *ctx, err_t *e);
/* st_write_txn_ex for the group committer's rounds (commit.c st_lead): the same, but not
 * counted in store_commit_stats' other_txns (a round is counted as a round). */
int st_round_txn(store_t *s, st_txn_fn fn, void *ctx, err_t *e);
/* Syncs the data file (the meta page of the last commit) when durable.  0 or ERR_IO. */
int st_sync_meta(store_t *s, err_t *e);
/* Maps an MDB error to ERR_IO with its text (0 stays 0; ERR_* pass through). */
int st_mdb_err(int rc, err_t *e);
bool st_is_mdb_err(int rc);

/* Table work (a removal or a backfill) failed and is recorded durably: the maintenance
 * thread retries it soon (maint.c).  Never blocks. */
void st_work_kick(store_t *s);
/* New table work was committed (an index to fill or to remove): the maintenance thread
 * starts on it at once.  Never blocks. */
void st_work_start(store_t *s);
/* The TTL thread is asked to stop (store_close, ttl.c st_ttl_stop): the long passes it runs
 * (store_pitr_pass) end early. */
bool st_ttl_stopping(store_t *s);

/* meta helpers (inside a txn) */
int st_meta_get_u64(store_t *s, MDB_txn *txn, const char *key, uint64_t *out);
int st_meta_put_u64(store_t *s, MDB_txn *txn, const char *key, uint64_t v);
/* In a write txn: secret def made (random bytes put under its meta key) unless the data dir
 * has it with its length; store_secret reads it then (store_open's first txn,
 * store_opts.secrets).  0, ERR_INTERNAL (a bad name or length), ERR_IO, or LMDB's error. */
int st_secret_make(store_t *s, MDB_txn *txn, const store_secret_def *def, err_t *e);
/* The counter record ("c" in the layout above: {u8 STORE_CNT_VERSION, u64 LE count, u64 LE
 * bytes}) of table tid / index iid (0: the table).  st_cnt_get reads it in txn: 0;
 * MDB_NOTFOUND when there is none or it is not ST_CNT_LEN bytes long (both counts then 0); or
 * another LMDB error.  st_cnt_put writes it in a write txn: 0 or an LMDB error. */
#define ST_CNT_LEN 17
int st_cnt_get(store_t *s, MDB_txn *txn, uint32_t tid, uint8_t iid, uint64_t *out_count,
               uint64_t *out_bytes);
int st_cnt_put(store_t *s, MDB_txn *txn, uint32_t tid, uint8_t iid, uint64_t count,
               uint64_t bytes);
/* Adds (dcount, dbytes) to the counters of table tid / index iid (never below 0). */
int st_count_add(store_t *s, MDB_txn *txn, uint32_t tid, uint8_t iid, int64_t dcount,
                 int64_t dbytes);

/* ---- keys (store.c) ---- */
/* A table's or index's prefix of its keys, as the layout above writes it: tid (BE4) and iid
 * (0: the table's items), in the data DB and after the kind byte of the meta DB's "c", "d"
 * and "i" records.  st_prefix5 writes it at p; st_prefix5_tid reads the tid back. */
#define ST_PREFIX_LEN 5
static inline void st_prefix5(unsigned char *p, uint32_t tid, uint8_t iid)
{
    base_be32_put(p, tid);
    p[4] = iid;
}
static inline uint32_t st_prefix5_tid(const unsigned char *p)
{
    return base_be32_get(p);
}
/* st_prefix5 appended to b.  ERR_NOMEM. */
int st_key_prefix(buf_t *b, uint32_t tid, uint8_t iid);
/* Appends enc(v) after checking v has type t. */
int st_key_add(buf_t *b, const av_t *v);
/* Applies the long-key rule to a complete key. */
void st_key_fix(store_t *s, buf_t *b);
/* Base key of `item` (hash and range attributes of t); ERR_VALIDATION when missing. */
int st_key_base(store_t *s, const store_table *t, const av_t *item, buf_t *b);
/* st_key_base from the key's values already looked up: h the hash attribute's, r the
 * range's (ignored when t has no range key); NULL or a wrong type is ERR_VALIDATION. */
int st_key_base_of(store_t *s, const store_table *t, const av_t *h, const av_t *r, buf_t *b);
/* st_key_base_of that also says where the hash attribute's part of the key ends
 * (*out_hash_end, before st_key_fix: with st_pv_slot, the partition's version slot). */
int st_key_base_of_n(store_t *s, const store_table *t, const av_t *h, const av_t *r, buf_t *b,
                     size_t *out_hash_end);
/* The version slot of the partition whose key bytes (st_key_prefix and the hash attribute's
 * encoding) are p[0..n). */
size_t st_pv_slot(const store_t *s, const unsigned char *p, size_t n);
/* Inside a round's write txn, before its commit: the partition of slot `slot` is written
 * (its version reads as busy until st_pv_settle).  0 or ERR_NOMEM. */
int st_pv_mark(store_t *s, size_t slot);
/* After a round's txn was committed (txnid: its id) or given up (0): new stamps for the slots
 * it marked; a commit between this process's last round and this one (another process's,
 * another kind of write txn) changes every partition's version. */
void st_pv_settle(store_t *s, uint64_t txnid);
/* Index entry key of `item`, or *present=false when the item is not in the index (sparse). */
int st_key_index(store_t *s, const store_table *t, const store_index *ix, const av_t *item,
                 buf_t *b, bool *present);
/* st_key_index of an item stored (or to be stored) under the base record key tkey (its
 * st_key_base: the write path has it), whose table key bytes are copied from tkey rather than
 * looked up in item again.  tkey is borrowed for the call. */
int st_key_index_of(store_t *s, const store_table *t, const store_index *ix, const av_t *item,
                    const MDB_val *tkey, buf_t *b, bool *present);
/* The key an entry of `item` may be stored under by an older build: st_key_index's, also
 * for a key-violating value (empty, or over the key limits), which builds before 5ffe138
 * indexed when they backfilled a new GSI.  The write path removes such an entry with the
 * item (review10 F11: it stayed behind as a phantom of a deleted item). */
int st_key_index_stored(store_t *s, const store_table *t, const store_index *ix,
                        const av_t *item, buf_t *b, bool *present);
/* The shortest byte string greater than every string having prefix p; false if none. */
bool st_prefix_succ(buf_t *b);
uint64_t st_hash64(const void *p, size_t n);

/* Decodes an LMDB value into the arena (bytes copied first: LMDB memory dies with the txn). */
int st_decode(arena_t *a, const MDB_val *v, av_t *out, err_t *e);
/* st_decode, and *out_raw (when not NULL) = the arena copy of v's bytes, which the decoded
 * values point into (valid as long as the arena). */
int st_decode_kept(arena_t *a, const MDB_val *v, av_t *out, MDB_val *out_raw, err_t *e);
/* Decodes an LMDB value where it lies: the values point into v's bytes, valid until the txn
 * next writes or ends (store_write.in_place's apply only); the tree in the arena. */
int st_decode_here(arena_t *a, const MDB_val *v, av_t *out, err_t *e);
/* m[name] when it is an S, into out[STORE_NAME_MAX] (cut to STORE_NAME_MAX - 1 bytes); ""
 * otherwise.  The catalog's and the stream descriptors' records. */
void st_get_name(const av_t *m, const char *name, char *out);
/* The projection of item for index ix (arena-allocated M; ALL returns the item itself). */
int st_project(const store_table *t, const store_index *ix, const av_t *item, arena_t *a,
               av_t *out);

/* ---- stream.c ---- */
/* The store-wide stream sequence counter (a commit round loads it once and stores it). */
int st_stream_seq_load(store_t *s, MDB_txn *txn, uint64_t *out);
int st_stream_seq_store(store_t *s, MDB_txn *txn, uint64_t seq);
/* Creates a new stream for t (t->stream_view, name, id, key) with a label later than
 * prev_ms; sets t->stream_id and t->stream_ms. */
int st_stream_create(store_t *s, MDB_txn *txn, store_table *t, int64_t prev_ms, err_t *e);
/* Marks stream sid disabled as of now and closes its open shard (kept readable). */
int st_stream_disable(store_t *s, MDB_txn *txn, uint32_t sid, err_t *e);
/* The stream record of one committed change of an item of t (old/nw NULL when absent; their
 * sizes w->old_size, w->new_size): nothing when t has no enabled stream or the item is
 * unchanged.  *seq: the round's counter,
 * advanced by one per record.  Returns 0 or an MDB/ERR_NOMEM error. */
int st_stream_put(store_t *s, MDB_txn *txn, const store_table *t, const store_write *w,
                  const av_t *old, const av_t *nw, uint64_t *seq);

/* ---- catalog_rec.c ---- */
/* Encodes t (and the table's next index id) as its catalog record into out (reset first).
 * 0 or ERR_NOMEM. */
int st_cat_encode(const store_table *t, uint8_t next_iid, buf_t *out);
/* Parses a catalog record into a new heap entry holding one reference.  0, ERR_IO (an
 * unknown version, a corrupt record) or ERR_NOMEM, with e set. */
int st_cat_decode(store_t *s, const void *p, size_t len, cat_ent **out, err_t *e);
/* Frees an entry (NULL: nothing) whatever its references: one never installed, or one whose
 * last reference went (st_ent_unref). */
void st_ent_free(store_t *s, cat_ent *c);
/* Drops one reference; the last one frees the entry. */
static inline void st_ent_unref(store_t *s, cat_ent *c)
{
    if (c && atomic_fetch_sub(&c->refs, 1) == 1)
        st_ent_free(s, c);
}

/* ---- catalog.c ---- */
/* Reloads the in-memory catalog from txn if the generation there differs. */
int st_cat_refresh(store_t *s, MDB_txn *txn, err_t *e);
/* Forces a look at the generation now (own read txn). */
int st_cat_check(store_t *s, err_t *e);
/* The current descriptor of table id, pinned (store_table_unpin), or NULL. */
const cat_ent *st_cat_pin_id(store_t *s, uint32_t id);
/* Pins every current descriptor for which want (NULL: all) is true; *out is a malloc'd
 * array (free it after unpinning each).  Returns the count, or SIZE_MAX out of memory. */
size_t st_cat_pin_all(store_t *s, bool (*want)(const store_table *t), const store_table ***out);
int st_cat_init(store_t *s, err_t *e);
void st_cat_fini(store_t *s);
/* Does the table work left: removals (pending "d"/"i" records, GSIs listed as dropping) and
 * backfills (new ones, and those a crash or a close interrupted).  Run by the maintenance
 * thread; returns early (0) when the store closes. */
int st_cat_finish_pending(store_t *s, err_t *e);
/* True when some table of the in-memory catalog has an index being filled or removed. */
bool st_cat_busy(store_t *s);

/* ---- commit.c ---- */
int st_commit_start(store_t *s, err_t *e);
void st_commit_stop(store_t *s);
/* Counts one group-commit round of `writes` writes whose sync took sync_us (-1: no sync)
 * into cs (backup.c; the caller holds qmu). */
void st_stats_note_round(store_commit_stats *cs, uint64_t writes, int64_t sync_us);

/* ---- maint.c ---- */
/* The maintenance thread: retries left-over table work (st_cat_finish_pending) after a kick,
 * every ST_WORK_RETRY_MS (doubling up to ST_WORK_RETRY_MAX_MS) until it succeeds. */
int st_maint_start(store_t *s, err_t *e);
void st_maint_stop(store_t *s);

/* ---- ttl.c ---- */
int st_ttl_start(store_t *s, err_t *e);
void st_ttl_stop(store_t *s);
/* One reaper pass over every TTL-enabled table as of now_s (epoch seconds); for tests. */
int st_ttl_pass(store_t *s, int64_t now_s, size_t *out_deleted, err_t *e);

#endif
