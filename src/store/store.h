/*
 * store — the embedded DynamoDB engine on LMDB.  Layer: store.
 *
 * One LMDB environment per data directory (default ./data, created 0700).  A catalog of
 * tables (each with its key schema, up to 20 GSIs and 5 LSIs, an opaque metadata blob owned
 * by api/), the items of every table, and every index entry, all in LMDB, updated in one
 * write transaction per commit so index reads are strongly consistent.  Items are stored
 * with av_encode (version byte first); keys with key_encode (order-preserving).
 *
 * Concurrency: readers run in parallel with the writer (LMDB MVCC).  Writes go through a
 * group committer: writes submitted from many threads are applied in one LMDB write
 * transaction and one sync; each caller returns (or, store_write_each_later, is called back)
 * only after its write is durable.  One failing write does not fail the others: a write's read
 * half (checks, apply) writes nothing, and a write half that fails other than by an LMDB error
 * re-runs the round with each write in a nested transaction (always nested: LSI tables and
 * writes of one atomic group that touch one key).  Several
 * processes may open the same data dir (the CLI while the server runs); the catalog is
 * reloaded when another process changed it.
 *
 * The LMDB map grows with the data: no user configures a size or sees MDB_MAP_FULL while
 * the disk has room.  When the disk is full (or a file-size limit is reached) the write that
 * needs the room fails with ERR_IO ("storage error: ...", an InternalServerError) and changes
 * nothing; what was committed stays whole; writes succeed again as soon as there is room, and
 * table work left unfinished (removing a dropped table's data, filling a new index) is
 * retried by a background thread meanwhile, without a restart.
 *
 * Data dir: the store refuses, with a message saying why, a directory that is not ddbchat's
 * (other files and no data.mdb, a data.mdb that is not LMDB or is another program's LMDB
 * database) and a data dir of a newer format; one of an older format is upgraded at open
 * (open.c keeps the format history).
 *
 * Lifetimes (as LMDB states them, "valid until ..."):
 *   - a store_table pointer is pinned: it comes from store_table_pin, or from store_table_create
 *     / store_table_alter through their `out` parameter, and stays valid and unchanged until
 *     the matching store_table_unpin, however the table is changed or even dropped meanwhile.
 *     A replaced descriptor is freed when its last pin goes.  Pin for the length of one
 *     request (api/ pins in api_table and api_call unpins at the end), never for the life of
 *     a connection or a thread: a pin held forever keeps that version of the descriptor
 *     alive.  Every pin is unpinned before store_close.
 *   - a store_index pointer points into its table's descriptor: valid while that is pinned.
 *   - the descriptor handed to a store_alter_fn (cur) is valid during the call only.
 *   - items returned by reads and old items returned by writes are copied into the caller's
 *     arena: valid until that arena is reset.
 *
 * Metadata changes.  Every change of a table's definition or metadata (api/'s blob, TTL,
 * indexes, and later streams and continuous backups) is ONE read-modify-write in ONE LMDB
 * write transaction: store_table_alter reads the committed record, lets the caller's function
 * decide the new one from it, and writes it (with the index additions and removals it
 * implies) before anyone else can change the table.  Never read a descriptor, decide, and
 * write in a separate call: concurrent changes would be lost.
 */
#ifndef DDB_STORE_STORE_H
#define DDB_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "value/av.h"

#define STORE_NAME_MAX 256 /* table, index and key attribute names: at most 255 bytes */
#define STORE_MAX_GSI 20
#define STORE_MAX_LSI 5
#define STORE_MAX_INDEXES (STORE_MAX_GSI + STORE_MAX_LSI)
#define STORE_PAGE_BYTES (1024 * 1024) /* Query/Scan page limit, by item size */
#define STORE_MAX_TXN_ITEMS 100
/* DynamoDB's limit on an item collection of a table with a local secondary index (coll.c) */
#define STORE_ITEM_COLLECTION_LIMIT ((uint64_t)10 * 1024 * 1024 * 1024)

typedef struct store store_t;

#define STORE_KEY_PARTS 4 /* a GSI key: up to 4 partition and up to 4 sort key attributes */
#define STORE_KEY_ATTRS (2 * STORE_KEY_PARTS)

typedef struct store_keydef {
    char hash[STORE_NAME_MAX];  /* the (first) partition key attribute */
    av_type hash_type;          /* AV_S, AV_N or AV_B */
    char range[STORE_NAME_MAX]; /* the (first) sort key attribute; "" when there is none */
    av_type range_type;         /* AV_NONE when the key has no range part */
    /* Multi-attribute GSI keys (AWS, November 2025): the partition key attributes after
     * `hash` and the sort key attributes after `range`, in key-schema order (n_xrange > 0 only
     * with a `range`).  An item is in such an index only when it has every key attribute.
     * Always 0 for tables and LSIs.  The names belong to the descriptor (or, in a definition
     * handed to store_table_create / store_alter_add_index, to the caller: they are copied). */
    uint8_t n_xhash, n_xrange;
    char *xhash[STORE_KEY_PARTS - 1], *xrange[STORE_KEY_PARTS - 1];
    av_type xhash_type[STORE_KEY_PARTS - 1], xrange_type[STORE_KEY_PARTS - 1];
} store_keydef;

/* The key attributes of kd in key-schema order: every partition key attribute, then every
 * sort key attribute (at most STORE_KEY_ATTRS; names point into kd).  Returns the count;
 * *out_nhash (may be NULL) receives how many of them are partition key attributes. */
size_t store_key_attrs(const store_keydef *kd, const char **names, av_type *types,
                       size_t *out_nhash);
/* True when kd has more than one partition or more than one sort key attribute. */
static inline bool store_key_multi(const store_keydef *kd)
{
    return kd->n_xhash || kd->n_xrange;
}

typedef enum store_proj { STORE_PROJ_ALL = 0, STORE_PROJ_KEYS_ONLY, STORE_PROJ_INCLUDE } store_proj;

typedef struct store_index {
    char name[STORE_NAME_MAX];
    bool global;       /* GSI (true) or LSI */
    uint8_t id;        /* 1..255, unique in the table, never reused while the table lives */
    store_keydef key;
    store_proj proj;
    char **include;    /* non-key attributes projected by INCLUDE */
    size_t n_include;
    bool backfilling;  /* a GSI added by UpdateTable whose backfill has not finished: written
                          by every write, not readable yet (AWS's IndexStatus CREATING) */
    bool allocating;   /* backfilling, and the fill has not started yet (AWS's resource
                          allocation phase: Backfilling false, the table UPDATING) */
} store_index;

typedef struct store_table {
    char name[STORE_NAME_MAX];
    uint32_t id;       /* unique for the life of the data dir */
    store_keydef key;
    store_index idx[STORE_MAX_INDEXES];
    size_t n_idx;
    char ttl_attr[STORE_NAME_MAX]; /* "" when TTL is disabled */
    int64_t created_ms;            /* creation time, ms since the epoch */
    char *meta;        /* api/'s metadata (JSON text), NUL-terminated, may be NULL */
    size_t meta_len;
    /* DynamoDB Streams (stream.c).  A store_alter_fn sets only stream_view (STORE_SV_NONE
     * disables); the store assigns stream_id / stream_ms when a stream is created. */
    uint8_t stream_view;  /* store_sview: the enabled stream's view type, 0 = no stream */
    uint32_t stream_id;   /* the latest stream (enabled or not), 0 = never had one */
    int64_t stream_ms;    /* its creation time (the StreamLabel), ms since the epoch */
    /* GSIs being deleted (AWS's IndexStatus DELETING): gone from idx (no write maintains
     * them, no read finds them), listed here until the maintenance thread has removed their
     * entries.  Owned by the descriptor; a store_alter_fn leaves it alone. */
    store_index *dropping;
    size_t n_dropping;
    /* The store's descriptors only: this descriptor's own address (a caller's store_table,
     * or a copy of one of the store's, has another value), what store_table_memo checks. */
    const struct store_table *self;
} store_table;

/* What the store's user derives from a descriptor alone and keeps with it (the api's parsed
 * vector index definitions): a struct of the user's beginning with this one.  The store calls
 * free(m) when the descriptor is freed (its last pin gone). */
typedef struct store_memo store_memo;
struct store_memo {
    void (*free)(store_memo *m);
};

/* Stream view types (StreamViewType). */
typedef enum store_sview {
    STORE_SV_NONE = 0,
    STORE_SV_KEYS_ONLY,
    STORE_SV_NEW_IMAGE,
    STORE_SV_OLD_IMAGE,
    STORE_SV_NEW_AND_OLD_IMAGES
} store_sview;

typedef struct store_opts {
    bool durable;          /* fsync each commit (default true); false = MDB_NOSYNC for tests */
    size_t initial_map;    /* bytes; 0 = a default that grows as needed */
    bool ttl_thread;       /* run the background TTL reaper (default true for the server) */
    int ttl_interval_ms;   /* reaper period (default 1000) */
    bool read_only;
    int64_t stream_retention_ms; /* stream records are trimmed after this (default 24 h) */
    int64_t stream_shard_ms;     /* a stream's open shard is closed after this (default 4 h) */
    /* Opt-in realism (`serve --stream-shards N`; 0 or 1 = one shard, the default): a stream
     * created from now on has N open shards, as AWS has one per partition; an item's records
     * go to the shard its partition key hashes to (store_stream_slot). */
    int stream_shards;
    /* Opt-in realism (`serve --stream-split-seconds S`; 0 = off, the default): a stream
     * created from now on has shards over ranges of its partition keys' hash (as above, N of
     * them at its start), and every S seconds each open shard splits in two, as AWS's shards
     * do when their partitions split: it is closed and gets two children (ParentShardId),
     * each over half its range, while the stream has fewer than STORE_STREAM_SHARDS_MAX open
     * shards. */
    int64_t stream_split_ms;
    /* Opt-in realism (`serve --gsi-lag MS`; 0 = off, the default): a read of a global
     * secondary index sees a write of this process only this many ms after it (lag.c). */
    int gsi_lag_ms;
    /* The item collection limit in bytes (0 = STORE_ITEM_COLLECTION_LIMIT, 10 GiB); smaller
     * values let tests reach it (`serve --item-collection-limit`). */
    uint64_t item_collection_limit;
    /* Test aid (`serve --backfill-batch-delay-ms MS`, hidden; 0 = off, the default): the
     * maintenance thread pauses this long before a new index leaves its allocation phase and
     * before each backfill batch, so that clients can observe AWS's phases on small tables. */
    int backfill_delay_ms;
    /* A read snapshot (of any process on the data dir) that commits have passed is logged,
     * with its process id, once it has been held this many ms (0 = ST_SNAPSHOT_WARN_MS, a
     * minute; `serve --old-snapshot-warn-ms`, hidden, a test aid): while it lives LMDB cannot
     * reuse the pages later commits free, so data.mdb grows with every write. */
    int snapshot_warn_ms;
    /* Opt-in realism (`serve --table-delay MS`; 0 = off, the default): a GSI added by
     * UpdateTable stays in its resource allocation phase (the table UPDATING) at least this
     * long, and a deleted one DELETING at least this long, as AWS's take seconds. */
    int index_phase_ms;
    /* A write queued without waiting (store_write_each_later) that no round has begun to run
     * this many ms after it was queued is answered ERR_THROTTLING (DynamoDB's busy reply)
     * and not run, so that an overloaded store refuses rather than commits late (`serve
     * --queue-timeout`); 0 = no limit (the default). */
    unsigned later_wait_ms;
    /* Secrets (store_secret) the caller will ask for, made by the open's first transaction
     * when the data dir lacks them, so that a new data dir's start-up pays one synced commit
     * instead of one more a secret (issue 13.4; test_store.c test_secret_made_at_open).
     * NULL / 0: none; names and lengths as store_secret takes them (a bad one fails the
     * open with ERR_INTERNAL).  Ignored when read-only.  Borrowed for store_open's call. */
    const struct store_secret_def *secrets;
    size_t nsecrets;
} store_opts;

/* A secret store_open makes (store_opts.secrets): its name and length in bytes. */
typedef struct store_secret_def {
    const char *name;
    size_t len;
} store_secret_def;

void store_opts_default(store_opts *o);

/* Opens (creating if needed, mode 0700) the data dir.  ERR_IO with the reason (not a ddbchat
 * data dir, a newer format, LMDB's error).  Ignores SIGXFSZ if it has its default action (a
 * file-size limit then fails the write instead of killing the process). */
int store_open(const char *dir, const store_opts *opts, store_t **out, err_t *e);
/* A random secret of len bytes (1..64) named name, created at its first use (or by the open,
 * store_opts.secrets) and kept in the data dir's meta records: what it signs (stream iterators, PartiQL NextTokens) stays valid
 * across a restart and between the processes sharing the data dir.  A read-only store
 * answers a fresh secret of its own.  0, ERR_IO or ERR_INTERNAL (a bad name or length). */
int store_secret(store_t *s, const char *name, void *out, size_t len, err_t *e);
/* Finishes queued writes, stops background threads, closes LMDB.  Accepts NULL. */
void store_close(store_t *s);

/* ---- catalog ---------------------------------------------------------------------- */

/* The current descriptor of the table named `name`, pinned, or NULL when there is none.
 * Cheap (no LMDB parse on the hot path: a catalog changed by another process is reloaded at
 * most every few ms, and at once on a miss).  Release it with store_table_unpin. */
const store_table *store_table_pin(store_t *s, const char *name);
/* store_table_pin after reading the catalog again: a change another process committed a
 * moment ago is seen (store_table_pin's copy may be a few ms old).  For decisions that must
 * not act on a stale copy (a restore's lock taken: is it still restoring?); not a hot path. */
const store_table *store_table_pin_fresh(store_t *s, const char *name);
/* Releases a pin (from store_table_pin, _create, _alter or _repin).  Accepts NULL. */
void store_table_unpin(store_t *s, const store_table *t);
/* One more pin on a descriptor the caller already holds pinned. */
const store_table *store_table_repin(store_t *s, const store_table *t);
/* Table descriptors in memory (current ones plus replaced ones still pinned): for tests that
 * check descriptors are freed. */
size_t store_live_tables(store_t *s);

/* A descriptor's memo (one per descriptor, for the store's user).  A descriptor never changes
 * while it lives: every change of a table (UpdateTable, a tag, a reload of a record another
 * process changed) installs a new descriptor, whose memo starts empty, so a memo derived from
 * the descriptor never goes stale.  Lock-free (a pinned descriptor's memo stays until it is
 * freed).  store_table_memo: t's memo, NULL when none was set or t is not one of the store's
 * descriptors. */
store_memo *store_table_memo(const store_table *t);
/* Gives t the memo m unless it has one: returns the memo t keeps, m or the one another thread
 * set first (then m is not taken: the caller frees it); NULL when t is not one of the store's
 * descriptors (m not taken). */
store_memo *store_table_memo_set(const store_table *t, store_memo *m);
/* A descriptor's mark: 8 bits for the store's user, 0 on a new descriptor (as its memo,
 * lock-free; for a flag the user derives once from a descriptor, e.g. "metadata looked at").
 * store_table_mark: t's bits, 0 when t is not one of the store's descriptors;
 * store_table_mark_set: ors bits into them (nothing when t is not the store's). */
uint8_t store_table_mark(const store_table *t);
void store_table_mark_set(const store_table *t, uint8_t bits);

/* What store_table_create committed: the table's id and the stream it made with the table
 * (stream_id 0 when none; stream_ms its label).  A deleted table's stream is kept, DISABLED,
 * so these still name a stream when the table was dropped again at once. */
typedef struct store_table_made {
    uint32_t id;
    uint32_t stream_id;
    int64_t stream_ms;
} store_table_made;
/* Creates a table from the descriptor (id and index ids are assigned here, and created_ms
 * unless the descriptor gives one: the caller's time, which its metadata's stamps share).
 * ERR_RESOURCE_IN_USE when it exists.  *out (may be NULL) receives the new descriptor,
 * pinned (NULL if the table was dropped again at once); *out_made (may be NULL) what the
 * commit made (zeroed on failure), also when *out is NULL. */
int store_table_create(store_t *s, const store_table *def, const store_table **out,
                       store_table_made *out_made, err_t *e);
/* Table names in byte order, arena-allocated array of NUL-terminated names. */
int store_table_list(store_t *s, arena_t *a, char ***out_names, size_t *out_n, err_t *e);

/* One change of a table, decided inside its write transaction (see "Metadata changes").
 *   cur   the table as committed, read in this transaction (valid during the call only).
 *   next  what the table becomes; starts as a shallow copy of *cur (its pointers point into
 *         cur).  The function may change:
 *           meta / meta_len  api/'s blob (point them at memory from `arena`, or leave them);
 *           ttl_attr         "" disables TTL;
 *           idx / n_idx      through store_alter_add_index / store_alter_drop_index only.
 *         name, id, key and created_ms cannot change (ERR_INTERNAL if they do).
 *   drop  set to delete the table (items and index entries go too; next is ignored).
 *   arena for what the function allocates; lives until store_table_alter returns.
 * The store applies what follows from next in the same transaction: a dropped GSI moves from
 * idx to dropping and its entries are removed afterwards (in batches), then it is unlisted;
 * an added GSI gets its id and is listed as allocating and backfilling, is maintained by
 * every write from this transaction on, and is filled from the existing items afterwards (in
 * batches), then listed as not backfilling.  Both run in the maintenance thread (maint.c),
 * after store_table_alter has returned, as AWS's UpdateTable answers before the index work.
 * A change that leaves the record as it was writes nothing.
 * New kinds of table state (a stream, continuous backups) are new fields of store_table that
 * the function sets in next; their side effects belong in catalog.c's st_alter_txn, next to
 * the index ones, so they commit with the metadata. */
typedef struct store_alter {
    const store_table *cur;
    store_table next;
    bool drop;
    arena_t *arena;
} store_alter;

/* Decides the change: returns 0 (commit what al->next says), or a negative ERR_* with e set
 * (nothing is written; store_table_alter returns that error).  Runs inside the LMDB write
 * transaction, in the calling thread, holding the store's single writer: keep it short, and
 * do not call the store from it.  It may run more than once for one change (a transaction
 * that hits the map limit runs again after the map grows), each time from a fresh copy of
 * cur, so it must decide from cur and ctx only. */
typedef int (*store_alter_fn)(void *ctx, store_alter *al, err_t *e);

/* Runs fn on table `name` and commits its decision.  ERR_RESOURCE_NOT_FOUND (the store's
 * text) when there is no such table; fn's error; ERR_IO.  *out (may be NULL): the descriptor
 * as this change left it, pinned (NULL when the table was dropped).  Returns once the change
 * is durable; index work (removing a dropped index's entries, filling an added one) goes on
 * in the background: store_work_wait waits for it. */
int store_table_alter(store_t *s, const char *name, store_alter_fn fn, void *ctx,
                      const store_table **out, err_t *e);
/* In a store_alter_fn: adds a GSI or LSI (def's id and backfilling are ignored; def's strings
 * are copied into the alter's arena).  ERR_VALIDATION when the name is taken,
 * ERR_LIMIT_EXCEEDED beyond STORE_MAX_GSI / STORE_MAX_LSI. */
int store_alter_add_index(store_alter *al, const store_index *def, err_t *e);
/* In a store_alter_fn: removes the index named `name`.  ERR_RESOURCE_NOT_FOUND. */
int store_alter_drop_index(store_alter *al, const char *name, err_t *e);

/* Waits until no table of the data dir has an index being filled or removed (every
 * backfill and index removal has finished, in this process or another one), at most
 * timeout_ms (< 0: no limit).  0, or ERR_INTERNAL ("timed out ...") / ERR_IO. */
int store_work_wait(store_t *s, int timeout_ms, err_t *e);

/* Deletes the table and all its items and index entries (store_table_alter with drop).
 * ERR_RESOURCE_NOT_FOUND. */
int store_table_delete(store_t *s, const char *name, err_t *e);
/* Item count and total item bytes (av_item_size) of a table, or of one index (idx != NULL),
 * exact as of now. */
int store_table_stats(store_t *s, const store_table *t, const store_index *idx,
                      uint64_t *out_count, uint64_t *out_bytes, err_t *e);

/* ---- reads ------------------------------------------------------------------------ */

/* The item whose key attributes are those of `key` (an M holding at least the table's key
 * attributes; other attributes are ignored).  *found false when absent. */
int store_get(store_t *s, const store_table *t, const av_t *key, arena_t *a, av_t *out_item,
              bool *found, err_t *e);

typedef enum store_rop {
    STORE_R_NONE = 0, /* no range condition */
    STORE_R_EQ,
    STORE_R_LT,
    STORE_R_LE,
    STORE_R_GT,
    STORE_R_GE,
    STORE_R_BETWEEN,    /* r1 <= range <= r2 */
    STORE_R_BEGINS_WITH /* S or B prefix r1 */
} store_rop;

typedef struct store_query {
    const store_table *table;
    const store_index *index; /* NULL: the table itself */
    /* Query: the values of the first n_eq key attributes (store_key_attrs order): every
     * partition key attribute, then a prefix of the sort key attributes; each must be equal.
     * eq NULL (n_eq 0): Scan. */
    const av_t *eq;
    size_t n_eq;
    store_rop rop;            /* on the next sort key attribute (STORE_R_NONE: none) */
    av_t r1, r2;
    bool reverse;             /* ScanIndexForward=false */
    const av_t *start_key;    /* ExclusiveStartKey (M), or NULL */
    bool start_key_checked;   /* the caller ran store_query_start_key_check on it */
    size_t limit;             /* items to read, 0 = no limit */
    size_t max_bytes;         /* 0 = STORE_PAGE_BYTES */
    uint32_t segment, total_segments; /* Scan: total 0 or 1 = whole table */
    bool stored;      /* leave the items in their stored encoding (store_result.stored) */
    /* stored mode, optional: each item of the page is handed to visit->item instead of being
     * copied into store_result.stored (the reply written as the page is read: one pass). */
    const struct store_visit *visit;
    /* a local secondary index's page whose items are wanted whole (the index lacks attributes
     * the reader needs): each entry's item is read from the table in the same snapshot into
     * store_result.fetched, and its size counts toward max_bytes (the page stops at 1 MB of
     * data read, fetched items included, as the service and DynamoDB Local do).  Decoded mode
     * only (stored false), an LSI only. */
    bool fetch;
} store_query;

/* The reader of a page's items in their stored encoding (store_query.visit).  item: data
 * (len bytes, av_encode's; valid during the call only) is the next item read; it returns
 * *size (what av_item_size gives for the decoded item) and, for each of the n top-level
 * names (names[j], lens[j] bytes), vals[j]: that attribute when it is an S, N or B (pointing
 * into data), else AV_NONE — av_stored_scan's contract; 0 or a negative ERR_* (ERR_INTERNAL:
 * corrupt bytes), which ends the page with that error.  Then exactly one of: kept, the item
 * is on the page; unread, it is not after all (its key or segment did not match): take it
 * back. */
typedef struct store_visit {
    int (*item)(void *ctx, const void *data, size_t len, const char *const *names,
                const size_t *lens, size_t n, av_t *vals, size_t *size);
    void (*kept)(void *ctx);
    void (*unread)(void *ctx);
    void *ctx;
} store_visit;

/* An item's stored encoding (av_encode's bytes), e.g. for jout_item_stored. */
typedef struct store_bytes {
    const void *data;
    size_t len;
} store_bytes;

/* store_get without decoding (GetItem's reply written from the stored bytes, issue 13.1):
 * *out is a copy in arena a of the item's encoding (av_encode's bytes), *found false (out
 * {NULL, 0}) when absent.  Errors as store_get's: ERR_VALIDATION (key attribute missing),
 * ERR_NOMEM, or the engine's. */
int store_get_stored(store_t *s, const store_table *t, const av_t *key, arena_t *a,
                     store_bytes *out, bool *found, err_t *e);

typedef struct store_result {
    av_t *items;      /* arena; for an index, the projected items as stored in the index;
                         NULL when the query asked for `stored` */
    store_bytes *stored; /* arena, when the query asked for it: the same items, not decoded
                            (only their key attributes and sizes are read); NULL with a
                            visit (n items were handed to it) */
    size_t n;
    av_t last_key;    /* AV_NONE when the range is exhausted; else an M with the index's key
                         attributes and the table's key attributes of the last item read */
    uint64_t bytes;   /* sum of av_item_size of the items read (capacity arithmetic) */
    av_t *fetched;    /* store_query.fetch: items[i]'s item in the table (arena; AV_NONE when
                         the table has none), else NULL */
    uint64_t fetched_bytes; /* sum of av_item_size of the fetched items */
} store_result;

/* Runs one page of a Query or Scan: items in key order (or reverse), at most `limit`, and
 * stops after the item that brings the total size to max_bytes or more (DynamoDB's 1 MB
 * rule).  A start_key that does not match the schema: ERR_VALIDATION with DynamoDB's text.
 * A Query whose eq does not cover every partition key attribute (or leaves no sort key
 * attribute for rop): ERR_INTERNAL (the caller checks the key condition first). */
int store_query_run(store_t *s, const store_query *q, arena_t *a, store_result *out, err_t *e);

/* The start key's shape against q's table and index (q->start_key not NULL; q->eq is not
 * looked at): its size, each key attribute present and of its type, key values within their
 * size limits and not empty, in the service's order; a parallel Scan's (total_segments > 1)
 * inside its segment; not whether it lies inside the key condition (store_query_run checks
 * that).  A Query calls it before it checks its key condition against the schema, a Scan
 * before Select and its filter's key paths (dynalite's query and scan tests, recorded against
 * AWS).  0, or ERR_VALIDATION with DynamoDB's text. */
int store_query_start_key_check(const store_query *q, err_t *e);
/* Its first part: the size, then the index's key attributes (present, typed, within their
 * size limits); a Scan checks it before Select, the rest after (dynalite's scan, recorded
 * against AWS).  0, or ERR_VALIDATION with DynamoDB's text. */
int store_query_start_key_index_check(const store_query *q, err_t *e);

/* ---- writes ----------------------------------------------------------------------- */

/* Marker for "no change" returned through *out_new (a ConditionCheck). */
extern const av_t store_keep;
#define STORE_KEEP (&store_keep)

/* Decides a write from the current item.  Runs in the thread committing the round (the
 * submitter's own, or another submitter's: group commit is leader/follower) while the
 * submitting thread waits, so it may use the submitter's arena `a` and ctx.  old: the current item
 * (NULL when absent), decoded into `a` (w->arena) from a copy of its stored bytes there, so it
 * lives as long as that arena and the new item may share its values (as store_write.old
 * does when want_old).  Sets *out_new to the new item (an M with
 * the same key), to NULL (delete), or to STORE_KEEP (no change); *out_size (UINT64_MAX on
 * entry) to the new item's av_item_size when it measured it (the store measures it
 * otherwise: one walk of the item fewer when it did).  Returns 0, or a negative
 * ERR_* (e.g. ERR_CONDITIONAL_CHECK_FAILED) that fails this write only.  It may read through
 * the store but not write (a write from here fails with ERR_INTERNAL: the committer is waiting
 * for it), and may run more than once for one write (a commit round that hits the map limit
 * is re-run after the map grows). */
typedef int (*store_apply_fn)(void *ctx, const av_t *old, arena_t *a, const av_t **out_new,
                              uint64_t *out_size, err_t *e);

typedef struct store_write {
    /* in */
    const store_table *table;
    const av_t *key;       /* M with the table's key attributes */
    store_apply_fn apply;
    void *ctx;
    /* NULL, or called with the stored item's bytes (av_encode's; valid for the call only)
     * before they are copied and decoded for apply, when there is one: nonzero fails the
     * write as apply's error would, with nothing decoded or written (a reply's room is
     * reserved here: api/op_item.c, review15 F11) */
    int (*peek)(void *ctx, const void *stored, size_t len, err_t *e);
    arena_t *arena;        /* for apply, `old` and the stored key (required) */
    bool want_old;         /* copy the old item into `old` (also on a failed condition) */
    /* apply only reads the item and returns STORE_KEEP or an error (a ConditionCheck): the
     * stored bytes are decoded where they lie, not copied, so `old` is valid while apply
     * runs and never after (want_old gives nothing: apply copies what it keeps).  A check of
     * an item of numbers held a 13 MB copy until the commit: 100 of them passed a
     * transaction's 1.2 GB (mem16) */
    bool in_place;
    bool by_service;       /* a TTL deletion: its stream record names the service */
    bool is_update;        /* UpdateItem: DynamoDB words the size and empty-index-key errors
                              differently ("Item size to update has exceeded ...") */
    bool restore;          /* a restore's load (backup or point in time): the item was in a
                              table, so the index key checks are skipped; an item whose value
                              does not fit an index's key (another type, an empty S or B) is
                              kept and left out of that index, as on the source table */
    /* NULL, or the item apply returns, unchanged, when it writes one (a Put's): the store
     * encodes and checks it on the submitting thread, before the write joins a round, and
     * uses that work when apply returns this very pointer (issue 13: the round's serial
     * section keeps what depends on the stored item).  It must not change once submitted. */
    const av_t *item;
    /* out */
    av_t old;              /* AV_NONE when absent or not wanted */
    const av_t *new_item;  /* what apply returned (NULL, STORE_KEEP or the item) */
    int rc;                /* 0 or this write's error */
    err_t err;
    uint64_t old_size, new_size; /* av_item_size, for capacity arithmetic */
    /* store_write_each: an allocation of this write was refused by its arena's maximum
     * (base/arena.h refused: a budget, not a failed malloc); with rc ERR_NOMEM, that is why
     * it failed (a BatchExecuteStatement member answered ThrottlingError, not 500) */
    bool arena_refused;
    /* Tables with a local secondary index: the size in bytes of the write's item collection
     * (its items plus their LSI entries, coll.c) after the write, and coll = true; a write
     * that would grow it past the limit fails with ERR_ITEM_COLLECTION_SIZE_LIMIT. */
    bool coll;
    uint64_t coll_bytes;
    /* the store's own: what a submit worked out from the request alone, on the submitting
     * thread (commit.c st_prep), for the round to use when its table descriptor is the one
     * it was worked out with (t); every submit sets it, whatever the caller left there */
    struct {
        const store_table *t; /* NULL: nothing worked out (the round does it all) */
        const av_t *kh, *kr;  /* the key's hash and range values (kr NULL: no range key) */
        const unsigned char *bytes; /* the submit's buffer: the base key at key_at, the
                                       item's encoding (av_encode) at enc_at */
        size_t key_at, key_len, enc_at, enc_len;
        size_t pslot;         /* the base key's partition version slot (st_pv_slot) */
        uint64_t size;        /* item's av_item_size, when checked */
        bool encoded;         /* item's encoding is there */
        bool checked;         /* item passed the new item's checks (commit.c st_check_new) */
    } pre;
} store_write;

/* n writes from arena a, every field zero (err cleared) but the bytes of err's message after
 * its first: a write is ~1.2 KB, nearly all of it that buffer, and zeroing it whole was most
 * of the memset a TransactWriteItems or a BatchWriteItem of 25 paid.  NULL when out of memory
 * (or n times the size overflows). */
store_write *store_writes_new(arena_t *a, size_t n);

/* Applies each write independently (each succeeds or fails on its own) in the next group
 * commit; returns when all are durable.  Returns 0 when the batch was committed (check each
 * w[i].rc), or an error for the whole batch (I/O; ERR_NOMEM when the writes' work before the
 * round could not be kept: nothing queued). */
int store_write_each(store_t *s, store_write *w, size_t n, err_t *e);
/* A write whose caller does not wait for it (issue 13.3 design (a): no thread per write).
 * done(ctx, rc, e) is called exactly once: after the sync that makes the write's round
 * durable, or with the error that failed the whole round; rc, e as store_write_each's
 * return (each w[i].rc says how that write went).  It runs on the thread that led the round
 * (a committer thread of the store, or a store_write_each caller's), with no store lock
 * held; it must not block for long (every later caller of the round waits behind it) and
 * must not write to the store and wait. */
typedef void (*store_done_fn)(void *ctx, int rc, const err_t *e);
/* store_write_each without waiting: queues the writes and returns 0; done is called later,
 * never from inside this call.  w (and the arena, keys, items and ctx it points to) must
 * stay valid until done is called.  Or returns an error and done is never called: ERR_IO
 * (read-only store), ERR_SERVICE_UNAVAILABLE (closing), ERR_NOMEM, ERR_INTERNAL (no writes,
 * called from an apply callback, or no committer thread could be started).  store_close
 * answers every queued write before it returns.  With opts.later_wait_ms, done may get
 * ERR_THROTTLING: the writes waited that long in the queue and were not run (none of them
 * changed anything; w[i].rc stay 0). */
int store_write_each_later(store_t *s, store_write *w, size_t n, store_done_fn done, void *ctx,
                           err_t *e);
/* Applies all writes or none (a transaction of up to STORE_MAX_TXN_ITEMS, distinct keys).
 * Returns 0 when all applied; ERR_TRANSACTION_CANCELED when any write's apply failed (each
 * w[i].rc tells which, others get 0 = "None"); other errors for the whole batch. */
int store_write_atomic(store_t *s, store_write *w, size_t n, err_t *e);
/* store_write_atomic without waiting (issue 13.3 design (a)): as store_write_each_later, and
 * done's rc is store_write_atomic's return (ERR_TRANSACTION_CANCELED with each w[i].rc when an
 * apply failed, nothing written; ERR_THROTTLING with every w[i].rc 0 and nothing written when
 * it waited past opts.later_wait_ms, as store_write_each_later's).  Or returns an error at once
 * (done never called): as store_write_each_later's, and ERR_VALIDATION beyond
 * STORE_MAX_TXN_ITEMS. */
int store_write_atomic_later(store_t *s, store_write *w, size_t n, store_done_fn done, void *ctx,
                             err_t *e);

/* Group-commit counters since store_open (for benchmarks, tests and /metrics): LMDB write
 * txns run by the group committer, callers (store_write_each/_atomic calls) and writes they
 * carried; rounds by writes carried (batch_hist[i]: at most 2^i writes, the last bucket
 * more) and the durability syncs by how long they took (sync_hist[i]: at most
 * store_sync_bounds_us[i], the last bucket longer; none when not durable); other_txns: LMDB
 * write txns outside the group committer (table changes, the stream and PITR passes; not
 * its rounds, nor the TTL deletes it carries), each begun counted, committed or not (an idle
 * store begins none, puts begin none: test_stream.c test_idle_stream_pass_writes_nothing). */
#define STORE_BATCH_BUCKETS 10
#define STORE_SYNC_BUCKETS 12
extern const uint64_t store_sync_bounds_us[STORE_SYNC_BUCKETS - 1];
typedef struct store_commit_stats {
    uint64_t rounds, calls, writes;
    uint64_t batch_hist[STORE_BATCH_BUCKETS];
    uint64_t sync_hist[STORE_SYNC_BUCKETS];
    uint64_t syncs, sync_us;
    uint64_t other_txns;
    /* rounds a committer thread led straight after its previous one, whose end (the wait for
     * durability, the answers) it handed to an idle committer (commit.c st_lead) */
    uint64_t chained;
} store_commit_stats;
void store_commit_stats_get(store_t *s, store_commit_stats *out);

/* A version of one partition (store.c): of the items of table t (pinned) whose hash key
 * attribute is `hash`.  A read of the partition made after taking version v answers what any
 * later read answers while store_partition_version still returns v: it changes when a write
 * of this process to the partition commits, and with any commit that is not one of this
 * process's write rounds (another process's on the data dir, a table's creation, removal or
 * restore, ...).  0: no version now, do not cache (a write to the partition is being
 * committed, or hash is not of the table's hash key type).  Partitions share ST_PV_SLOTS
 * slots, so a write to another partition changes it now and then.  Thread-safe, no wait: a
 * cache keyed by it (the messaging service's users) is not emptied by every commit, as one
 * keyed by store_change_seq is.  tests/unit/store/test_pversion.c. */
uint64_t store_partition_version(store_t *s, const store_table *t, const av_t *hash);

/* Commit notification (store.c).  store_change_seq: a number that changes whenever a write
 * transaction commits to this data dir, in this process or another one sharing it (LMDB's
 * last transaction id); 0 when unknown.  store_change_wait: returns as soon as the number
 * differs from `seen` (commits of this process wake it at once, those of other processes
 * within STORE_CHANGE_POLL_MS = 50 ms), or after timeout_ms (<= 0: no wait); returns the
 * current number.  Thread-safe; any number of waiters. */
uint64_t store_change_seq(store_t *s);
uint64_t store_change_wait(store_t *s, uint64_t seen, int timeout_ms);

/* ---- streams (stream.c) ------------------------------------------------------------ */

/* Every change of an item of a table whose stream is enabled writes one stream record in the
 * same LMDB transaction (a write that changes nothing writes none), so a stream is exactly
 * the committed history in commit order.  Sequence numbers are store-wide, increasing in
 * commit order.  A stream is created by a table change that enables one (a new id and
 * label); disabling it, or deleting its table, leaves it readable (disabled) until its
 * records are trimmed (after stream_retention_ms).  Shards: each stream has n_slots open
 * shards at a time (1 unless store_opts.stream_shards said more when it was created), one per
 * slot; a record is in the shard of its slot (store_stream_slot of its partition key) whose
 * sequence number range holds it.  The background pass closes the open shards after
 * stream_shard_ms and opens a child for each (same slot, ParentShardId the closed one).
 * A stream created with several shards or with splits (store_opts.stream_shards > 1 or
 * stream_split_ms > 0) is `ranged`: each shard holds a range [lo, hi] of the partition key's
 * hash (store_stream_hash) instead of a slot, the open shards' ranges cover the hash space at
 * any sequence number, a split gives a closed shard two children over its halves, and each
 * record is indexed under its shard, so that a shard's read touches its own records only
 * (store_stream_read_shard).  A one-shard stream without splits is neither (its records, its
 * descriptor and its reads are as they always were). */
#define STORE_STREAM_SHARDS_MAX 16
typedef struct store_shard {
    uint32_t idx;        /* position in the stream (0 = first) */
    uint32_t slot;       /* which partition-key hash slot (0..n_slots-1) it holds */
    uint32_t lo, hi;     /* a ranged stream's: the hash range it holds (inclusive) */
    int32_t parent;      /* idx of the parent shard, -1 for none */
    int64_t parent_ms;   /* the parent's created_ms (its id outlives it) */
    int64_t created_ms;
    int64_t split_from_ms; /* a ranged stream's: when its lineage last split (or was made);
                            * a rotation's child keeps its parent's, so its split age goes on */
    uint64_t start, end; /* sequence numbers; end 0 = open */
} store_shard;

typedef struct store_stream {
    uint32_t id;
    char table[STORE_NAME_MAX]; /* store name of the table */
    uint32_t table_id;
    int64_t label_ms;
    uint8_t view;               /* store_sview */
    bool enabled;
    int64_t disabled_ms;        /* when it was disabled (or its table deleted), 0 = enabled */
    store_keydef key;
    uint64_t trim;              /* records below this sequence number were trimmed */
    store_shard *shards;        /* arena; the shards still listed (trimmed ones are gone) */
    size_t n_shards;
    uint32_t n_slots;           /* open shards at a time (1..STORE_STREAM_SHARDS_MAX); a
                                 * ranged stream's: its open shards at its creation */
    bool ranged;                /* shards over hash ranges, records indexed per shard */
    int64_t split_ms;           /* a ranged stream's split period, kept from its creation
                                 * (store_opts.stream_split_ms then); 0 = it never splits */
} store_stream;

typedef enum store_sevent { STORE_EV_INSERT = 1, STORE_EV_MODIFY, STORE_EV_REMOVE } store_sevent;

typedef struct store_srec {
    uint64_t seq;
    int64_t ms;         /* commit time */
    uint8_t event;      /* store_sevent */
    bool by_service;    /* TTL */
    uint32_t size;      /* bytes of keys + images */
    av_t keys, new_img, old_img; /* AV_NONE when the view type leaves them out */
} store_srec;

/* All streams (without shards), ordered by id.  Arena-allocated.  A stream whose descriptor
 * cannot be read (damaged, or a newer build's) is left out, logged once. */
int store_stream_list(store_t *s, arena_t *a, store_stream **out, size_t *n, err_t *e);
/* One stream with its shards; *found false when there is none. */
int store_stream_get(store_t *s, uint32_t id, arena_t *a, store_stream *out, bool *found,
                     err_t *e);
/* Records of stream `id` with from <= seq <= upto (upto 0: no bound), at most limit, and at
 * most max_bytes of record sizes in all (0: no cap) but always at least one record
 * (GetRecords' "maximum of 1 MB of data").  *last_seq: the highest
 * sequence number this read covered (>= from - 1), for the next read's start. */
int store_stream_read(store_t *s, uint32_t id, uint64_t from, uint64_t upto, size_t limit,
                      size_t max_bytes, arena_t *a, store_srec **out, size_t *n,
                      uint64_t *last_seq, err_t *e);
/* store_stream_read for one shard of a stream of several slots: only the records whose
 * partition key (attribute hash_name of their Keys) is in slot `slot` of n_slots (n_slots 1:
 * every record, store_stream_read).  *last_seq covers the records passed over too, so the
 * next read starts after them; at most 20,000 records are looked at per read. */
int store_stream_read_slot(store_t *s, uint32_t id, const char *hash_name, uint32_t slot,
                           uint32_t n_slots, uint64_t from, uint64_t upto, size_t limit,
                           size_t max_bytes, arena_t *a, store_srec **out, size_t *n,
                           uint64_t *last_seq, err_t *e);
/* A ranged stream's shard `shard` (its idx): its records with from <= seq <= upto (upto 0:
 * no bound), limit and max_bytes as store_stream_read; looks at that shard's records only
 * (its index), not at other shards'.  *last_seq as store_stream_read. */
int store_stream_read_shard(store_t *s, uint32_t id, uint32_t shard, uint64_t from,
                            uint64_t upto, size_t limit, size_t max_bytes, arena_t *a,
                            store_srec **out, size_t *n, uint64_t *last_seq, err_t *e);
/* The slot (0..n_slots-1) of a partition key value (S, N or B): a hash of its type and
 * bytes, so all records of one item are in one shard lineage, in commit order. */
uint32_t store_stream_slot(const av_t *pk, uint32_t n_slots);
/* The 32-bit hash of a partition key value that places it in a ranged stream's shard. */
uint32_t store_stream_hash(const av_t *pk);
/* The highest sequence number handed out so far (store-wide). */
int store_stream_last_seq(store_t *s, uint64_t *out, err_t *e);
/* One maintenance pass as of now_ms: trims records older than the retention, removes
 * expired shards and streams, rolls over open shards older than the shard period.  Run by
 * the background thread; exposed for tests. */
int store_stream_pass(store_t *s, int64_t now_ms, err_t *e);

/* A snapshot read of several keys in one read transaction (TransactGetItems). */
int store_get_many(store_t *s, const store_table *const *tables, const av_t *const *keys,
                   size_t n, arena_t *a, av_t *out_items, bool *out_found, err_t *e);
/* The same, stopping with *over set once the items read add up to more than max_bytes
 * (av_item_size): a request refused for its aggregate size decodes no more than that. */
int store_get_many_capped(store_t *s, const store_table *const *tables, const av_t *const *keys,
                          size_t n, arena_t *a, av_t *out_items, bool *out_found,
                          uint64_t max_bytes, bool *over, err_t *e);
/* store_get_many without decoding: out[i] is a copy in arena a of item i's encoding
 * (av_encode's bytes; {NULL, 0} with out_found[i] false when absent), all read in one
 * snapshot, so the caller can decode one item at a time (ExecuteTransaction's reads).  Errors
 * as store_get_many's. */
int store_get_many_stored(store_t *s, const store_table *const *tables, const av_t *const *keys,
                          size_t n, arena_t *a, store_bytes *out, bool *out_found, err_t *e);
/* store_get_many_stored that stops once the bytes copied pass max_bytes (after the item that
 * passes them): *out_read is the count of keys read (the rest neither read nor found).  An
 * item's encoding can be far bigger than its size: a number is kept as its text (-1E-130:
 * 133 bytes, sized 3), so 20 items of 400 KB took 266 MB (BatchGetItem: review15 F1). */
int store_get_many_stored_capped(store_t *s, const store_table *const *tables,
                                 const av_t *const *keys, size_t n, arena_t *a, store_bytes *out,
                                 bool *out_found, size_t max_bytes, size_t *out_read, err_t *e);

#endif
