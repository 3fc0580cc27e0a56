/*
 * stream — DynamoDB Streams in the store: stream records written in the change's own
 * transaction, stream descriptors and shards, reads, trimming and shard rollover.
 * Layer: store.
 *
 * On disk (named DB "streams", from format 3):
 *   'S' sid(BE4)            -> u8 ST_STREAM_VERSION + av_encode(M describing the stream)
 *                              (ST_STREAM_VERSION_RANGED for a ranged stream: a build that
 *                              knows only slots refuses it rather than misreading it)
 *   'R' sid(BE4) seq(BE8)   -> u8 ST_SREC_VERSION, u8 event, u8 flags, u64 LE commit ms,
 *                              u32 LE size, av_encode(M {"k": keys, "n": new, "o": old})
 *   meta "sseq"             -> the last sequence number handed out (store-wide)
 *   meta "next_sid"         -> the next stream id
 * A ranged stream (store.h: several shards or splits) has besides:
 *   'L' sid(BE4)            -> u8 ST_LAYOUT_VERSION, then per open shard lo(BE4) hi(BE4)
 *                              idx(BE4): which shard a new record of each hash goes to
 *   'X' sid(BE4) idx(BE4) seq(BE8) -> empty: shard idx holds record seq (its index)
 * The layout changes only in the stream pass's write txn (a rollover or split closes shards
 * at the last number handed out), so every writer's txn sees the layout of the sequence
 * numbers it hands out, in this process or another.
 * A record is keyed by its stream and sequence number, so one cursor reads a shard in
 * sequence order.  Sequence numbers are store-wide and handed out in commit order by the
 * group committer (commit.c loads the counter once per round and stores it before the round
 * commits); a write whose nested txn aborts leaves a gap, never a reuse.  The images kept are
 * those the stream's view type shows (it cannot change while the stream lives).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "store/store_int.h"

#define ST_STREAM_VERSION 1
#define ST_STREAM_VERSION_RANGED 2
#define ST_SREC_VERSION 1
#define ST_SREC_HDR 15
#define ST_TRIM_BATCH 5000 /* records trimmed per stream per pass */
#define ST_LAYOUT_VERSION 1
#define ST_LAYOUT_ENTRY 12

/* ---- keys -------------------------------------------------------------------------- */

static void st_skey(unsigned char *k, uint32_t sid)
{
    k[0] = 'S';
    base_be32_put(k + 1, sid);
}

static void st_rkey(unsigned char *k, uint32_t sid, uint64_t seq)
{
    k[0] = 'R';
    base_be32_put(k + 1, sid);
    base_be64_put(k + 5, seq);
}

static void st_lkey(unsigned char *k, uint32_t sid)
{
    k[0] = 'L';
    base_be32_put(k + 1, sid);
}

static void st_xkey(unsigned char *k, uint32_t sid, uint32_t shard, uint64_t seq)
{
    k[0] = 'X';
    base_be32_put(k + 1, sid);
    base_be32_put(k + 5, shard);
    base_be64_put(k + 9, seq);
}

/* ---- descriptor encoding ----------------------------------------------------------- */

typedef struct st_mb {
    av_kv kv[17];
    size_t n;
    arena_t *a;
    bool oom;
} st_mb;

static void st_mb_n(st_mb *m, const char *name, int64_t v)
{
    char *p = arena_printf(m->a, "%" PRId64, v);
    if (!p) {
        m->oom = true;
        return;
    }
    m->kv[m->n++] = (av_kv){name, strlen(name), av_make_n_canonical(p, strlen(p))};
}

static void st_mb_s(st_mb *m, const char *name, const char *v)
{
    m->kv[m->n++] = (av_kv){name, strlen(name), av_make_s(v, strlen(v))};
}

static int64_t st_get_i(const av_t *m, const char *name)
{
    const av_t *v = av_map_gets(m, name);
    if (!v || v->type != AV_N)
        return 0;
    int64_t x = 0;
    bool neg = false;
    for (size_t i = 0; i < v->u.str.len; i++) {
        char c = v->u.str.ptr[i];
        if (c == '-' && i == 0) {
            neg = true;
            continue;
        }
        if (c < '0' || c > '9')
            break;
        x = x * 10 + (c - '0');
    }
    return neg ? -x : x;
}

/* Internal form: the public one plus the next shard index. */
typedef struct st_sdesc {
    store_stream d;
    uint32_t next_shard;
} st_sdesc;

static int st_sdesc_encode(const st_sdesc *x, buf_t *out)
{
    arena_t a;
    arena_init(&a);
    int rc = ERR_NOMEM;
    const store_stream *d = &x->d;
    st_mb m = {.a = &a};
    av_t *sh = arena_zalloc(&a, sizeof *sh * (d->n_shards ? d->n_shards : 1));
    if (!sh)
        goto done;
    st_mb_s(&m, "tn", d->table);
    st_mb_n(&m, "tid", d->table_id);
    st_mb_n(&m, "ms", d->label_ms);
    st_mb_n(&m, "v", d->view);
    st_mb_n(&m, "en", d->enabled);
    st_mb_n(&m, "dms", d->disabled_ms);
    st_mb_s(&m, "h", d->key.hash);
    st_mb_n(&m, "ht", d->key.hash_type);
    st_mb_s(&m, "r", d->key.range);
    st_mb_n(&m, "rt", d->key.range_type);
    st_mb_n(&m, "trim", (int64_t)d->trim);
    st_mb_n(&m, "nsh", x->next_shard);
    if (d->n_slots > 1) /* absent: one slot (a one-shard stream's descriptor is unchanged) */
        st_mb_n(&m, "nsl", d->n_slots);
    if (d->ranged) /* absent: slots */
        st_mb_n(&m, "hr", 1);
    if (d->ranged && d->split_ms > 0) /* absent: it never splits */
        st_mb_n(&m, "sp", d->split_ms);
    for (size_t i = 0; i < d->n_shards; i++) {
        st_mb *s = arena_zalloc(&a, sizeof *s);
        if (!s)
            goto done;
        s->a = &a;
        st_mb_n(s, "i", d->shards[i].idx);
        st_mb_n(s, "p", d->shards[i].parent);
        st_mb_n(s, "pm", d->shards[i].parent_ms);
        st_mb_n(s, "ms", d->shards[i].created_ms);
        st_mb_n(s, "b", (int64_t)d->shards[i].start);
        st_mb_n(s, "e", (int64_t)d->shards[i].end);
        if (d->n_slots > 1 && !d->ranged)
            st_mb_n(s, "sl", d->shards[i].slot);
        if (d->ranged) {
            st_mb_n(s, "lo", d->shards[i].lo);
            st_mb_n(s, "hi", d->shards[i].hi);
            if (d->shards[i].split_from_ms != d->shards[i].created_ms) /* absent: the same */
                st_mb_n(s, "sf", d->shards[i].split_from_ms);
        }
        if (s->oom)
            goto done;
        sh[i] = av_make_m(s->kv, s->n);
    }
    m.kv[m.n++] = (av_kv){"sh", 2, av_make_list(AV_L, sh, d->n_shards)};
    if (m.oom)
        goto done;
    av_t mv = av_make_m(m.kv, m.n);
    buf_reset(out);
    rc = buf_putc(out, d->ranged ? ST_STREAM_VERSION_RANGED : ST_STREAM_VERSION);
    if (rc == 0)
        rc = av_encode(&mv, out);
done:
    arena_fini(&a);
    return rc;
}

/* Decodes into the arena (the bytes are copied first: LMDB memory dies with the txn). */
static int st_sdesc_decode(uint32_t sid, const MDB_val *v, arena_t *a, st_sdesc *x, err_t *e)
{
    memset(x, 0, sizeof *x);
    const unsigned char *p = v->mv_data;
    if (v->mv_size < 2 || (p[0] != ST_STREAM_VERSION && p[0] != ST_STREAM_VERSION_RANGED))
        return err_set(e, ERR_IO, "corrupt stream record");
    void *cp = arena_alloc(a, v->mv_size);
    if (!cp)
        return err_set(e, ERR_NOMEM, "out of memory");
    memcpy(cp, p, v->mv_size);
    av_t m;
    int rc = av_decode((unsigned char *)cp + 1, v->mv_size - 1, a, &m);
    if (rc == ERR_NOMEM)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (rc || m.type != AV_M)
        return err_set(e, ERR_IO, "corrupt stream record");
    store_stream *d = &x->d;
    d->id = sid;
    st_get_name(&m, "tn", d->table);
    d->table_id = (uint32_t)st_get_i(&m, "tid");
    d->label_ms = st_get_i(&m, "ms");
    d->view = (uint8_t)st_get_i(&m, "v");
    d->enabled = st_get_i(&m, "en") != 0;
    d->disabled_ms = st_get_i(&m, "dms");
    st_get_name(&m, "h", d->key.hash);
    d->key.hash_type = (av_type)st_get_i(&m, "ht");
    st_get_name(&m, "r", d->key.range);
    d->key.range_type = (av_type)st_get_i(&m, "rt");
    d->trim = (uint64_t)st_get_i(&m, "trim");
    x->next_shard = (uint32_t)st_get_i(&m, "nsh");
    int64_t nsl = st_get_i(&m, "nsl");
    d->n_slots = nsl > 1 && nsl <= STORE_STREAM_SHARDS_MAX ? (uint32_t)nsl : 1;
    d->ranged = st_get_i(&m, "hr") == 1;
    d->split_ms = d->ranged ? st_get_i(&m, "sp") : 0;
    if (d->split_ms < 0)
        d->split_ms = 0;
    if (d->ranged != (p[0] == ST_STREAM_VERSION_RANGED))
        return err_set(e, ERR_IO, "corrupt stream record");
    const av_t *sh = av_map_gets(&m, "sh");
    size_t n = sh && sh->type == AV_L ? sh->u.list.n : 0;
    /* spare entries: a rollover appends a child per open shard in place (a ranged stream's
     * split two, and it has up to STORE_STREAM_SHARDS_MAX open shards) */
    d->shards = arena_zalloc(a, sizeof *d->shards *
                                    (n + (d->ranged ? 2 * STORE_STREAM_SHARDS_MAX : d->n_slots)));
    if (!d->shards)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const av_t *s = &sh->u.list.items[i];
        store_shard *o = &d->shards[i];
        o->idx = (uint32_t)st_get_i(s, "i");
        o->parent = (int32_t)st_get_i(s, "p");
        o->parent_ms = st_get_i(s, "pm");
        o->created_ms = st_get_i(s, "ms");
        o->start = (uint64_t)st_get_i(s, "b");
        o->end = (uint64_t)st_get_i(s, "e");
        o->slot = (uint32_t)st_get_i(s, "sl");
        o->lo = (uint32_t)st_get_i(s, "lo");
        o->hi = (uint32_t)st_get_i(s, "hi");
        o->split_from_ms = av_map_gets(s, "sf") ? st_get_i(s, "sf") : o->created_ms;
        if (o->slot >= d->n_slots || o->lo > o->hi)
            return err_set(e, ERR_IO, "corrupt stream record");
    }
    d->n_shards = n;
    return 0;
}

static int st_sdesc_put(store_t *s, MDB_txn *txn, const st_sdesc *x)
{
    buf_t b;
    buf_init(&b, 0);
    int rc = st_sdesc_encode(x, &b);
    if (rc == 0) {
        unsigned char kb[5];
        st_skey(kb, x->d.id);
        MDB_val k = {sizeof kb, kb}, v = {b.len, b.data};
        rc = mdb_put(txn, s->db_streams, &k, &v, 0);
    }
    buf_fini(&b);
    return rc;
}

/* Reads stream sid in txn; ERR_RESOURCE_NOT_FOUND when absent. */
static int st_sdesc_get(store_t *s, MDB_txn *txn, uint32_t sid, arena_t *a, st_sdesc *x, err_t *e)
{
    unsigned char kb[5];
    st_skey(kb, sid);
    MDB_val k = {sizeof kb, kb}, v;
    int rc = mdb_get(txn, s->db_streams, &k, &v);
    if (rc == MDB_NOTFOUND)
        return err_set(e, ERR_RESOURCE_NOT_FOUND, "stream %u not found", sid);
    if (rc)
        return rc;
    return st_sdesc_decode(sid, &v, a, x, e);
}

/* ---- a ranged stream's layout ------------------------------------------------------- */

/* Writes stream x's layout record: its open shards' ranges (none when disabled: removed). */
static int st_layout_put(store_t *s, MDB_txn *txn, const st_sdesc *x)
{
    unsigned char kb[5], v[1 + 2 * STORE_STREAM_SHARDS_MAX * ST_LAYOUT_ENTRY];
    st_lkey(kb, x->d.id);
    MDB_val k = {sizeof kb, kb};
    if (!x->d.enabled) {
        int rc = mdb_del(txn, s->db_streams, &k, NULL);
        return rc == MDB_NOTFOUND ? 0 : rc;
    }
    size_t n = 0;
    v[0] = ST_LAYOUT_VERSION;
    for (size_t i = 0; i < x->d.n_shards; i++) {
        const store_shard *sh = &x->d.shards[i];
        if (sh->end)
            continue;
        if (n == 2 * STORE_STREAM_SHARDS_MAX)
            return ERR_IO;
        unsigned char *p = v + 1 + n++ * ST_LAYOUT_ENTRY;
        base_be32_put(p, sh->lo);
        base_be32_put(p + 4, sh->hi);
        base_be32_put(p + 8, sh->idx);
    }
    MDB_val val = {1 + n * ST_LAYOUT_ENTRY, v};
    return mdb_put(txn, s->db_streams, &k, &val, 0);
}

/* The open shard of stream sid whose range holds hash h: *found false when the stream is not
 * ranged (no layout record).  ERR_IO when its layout has no such shard (corrupt). */
static int st_layout_shard(store_t *s, MDB_txn *txn, uint32_t sid, uint32_t h, bool *found,
                           uint32_t *out)
{
    unsigned char kb[5];
    st_lkey(kb, sid);
    MDB_val k = {sizeof kb, kb}, v;
    *found = false;
    int rc = mdb_get(txn, s->db_streams, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    const unsigned char *p = v.mv_data;
    if (v.mv_size < 1 || p[0] != ST_LAYOUT_VERSION || (v.mv_size - 1) % ST_LAYOUT_ENTRY)
        return ERR_IO;
    for (size_t i = 1; i < v.mv_size; i += ST_LAYOUT_ENTRY)
        if (base_be32_get(p + i) <= h && h <= base_be32_get(p + i + 4)) {
            *out = base_be32_get(p + i + 8);
            *found = true;
            return 0;
        }
    return ERR_IO;
}

/* The n shards of a fresh ranged stream (or of one whose shards all expired), from idx on:
 * the hash space in n equal ranges. */
static void st_ranged_roots(store_shard *sh, uint32_t n, uint32_t idx, int64_t now, uint64_t start)
{
    for (uint32_t i = 0; i < n; i++)
        sh[i] = (store_shard){.idx = idx + i, .parent = -1, .created_ms = now,
                              .split_from_ms = now, .start = start,
                              .lo = (uint32_t)(((uint64_t)i << 32) / n),
                              .hi = (uint32_t)((((uint64_t)i + 1) << 32) / n - 1)};
}

/* ---- in the writers' transactions ------------------------------------------------------- */

int st_stream_seq_load(store_t *s, MDB_txn *txn, uint64_t *out)
{
    return st_meta_get_u64(s, txn, "sseq", out);
}

int st_stream_seq_store(store_t *s, MDB_txn *txn, uint64_t seq)
{
    return st_meta_put_u64(s, txn, "sseq", seq);
}

static int st_sdesc_skip(store_t *s, uint32_t sid, int rc, err_t *e);

/* The newest label (ms) of any stream kept of the table named `name` (a deleted table's
 * streams are kept until they expire), 0 for none, into *out.  A table created again under
 * a name whose old stream is still kept gets a later label than it: with the same label (the
 * same ms, or the wall clock stepped back) the two streams had one StreamArn, and the new
 * table's LatestStreamArn named the old, DISABLED stream, so a reader never saw its records
 * (test_streams.py test_a_recreated_tables_stream_has_its_own_arn). */
static int st_stream_label_floor(store_t *s, MDB_txn *txn, const char *name, int64_t *out,
                                 err_t *e)
{
    *out = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->db_streams, &cur);
    if (rc)
        return rc;
    arena_t a;
    arena_init(&a);
    unsigned char kb[1] = {'S'};
    MDB_val k = {1, kb}, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && mrc == 0 && k.mv_size == 5 && ((unsigned char *)k.mv_data)[0] == 'S') {
        st_sdesc x;
        uint32_t sid = base_be32_get((unsigned char *)k.mv_data + 1);
        rc = st_sdesc_decode(sid, &v, &a, &x, e);
        if (rc)
            rc = st_sdesc_skip(s, sid, rc, e); /* unreadable: passed over, as by the listing */
        else if (strncmp(x.d.table, name, sizeof x.d.table) == 0 && x.d.label_ms > *out)
            *out = x.d.label_ms;
        arena_reset(&a);
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (rc == 0 && mrc && mrc != MDB_NOTFOUND)
        rc = mrc;
    arena_fini(&a);
    mdb_cursor_close(cur);
    return rc;
}

int st_stream_create(store_t *s, MDB_txn *txn, store_table *t, int64_t prev_ms, err_t *e)
{
    (void)e;
    uint64_t sid, sseq;
    int rc = st_meta_get_u64(s, txn, "next_sid", &sid);
    if (rc == 0)
        rc = st_meta_get_u64(s, txn, "sseq", &sseq);
    if (rc == 0 && prev_ms == 0) /* a new table: after any stream kept of its name */
        rc = st_stream_label_floor(s, txn, t->name, &prev_ms, e);
    if (rc)
        return rc;
    if (sid == 0)
        sid = 1;
    if (sid > UINT32_MAX - 1)
        return err_set(e, ERR_LIMIT_EXCEEDED, "stream ids exhausted");
    if ((rc = st_meta_put_u64(s, txn, "next_sid", sid + 1)))
        return rc;
    int64_t now = base_wall_ms();
    if (now <= prev_ms) /* a new stream of the table (or its name) gets a later label */
        now = prev_ms + 1;
    uint32_t nsl = s->opts.stream_shards > 1 ? (uint32_t)s->opts.stream_shards : 1;
    if (nsl > STORE_STREAM_SHARDS_MAX)
        nsl = STORE_STREAM_SHARDS_MAX;
    bool ranged = nsl > 1 || s->opts.stream_split_ms > 0;
    store_shard sh[STORE_STREAM_SHARDS_MAX];
    if (ranged)
        st_ranged_roots(sh, nsl, 0, now, sseq + 1);
    else
        for (uint32_t i = 0; i < nsl; i++)
            sh[i] = (store_shard){.idx = i, .slot = i, .parent = -1, .created_ms = now,
                                  .start = sseq + 1, .end = 0};
    st_sdesc x = {.next_shard = nsl};
    x.d.id = (uint32_t)sid;
    memcpy(x.d.table, t->name, sizeof x.d.table);
    x.d.table_id = t->id;
    x.d.label_ms = now;
    x.d.view = t->stream_view;
    x.d.enabled = true;
    x.d.key = t->key;
    x.d.trim = 0;
    x.d.shards = sh;
    x.d.n_shards = nsl;
    x.d.n_slots = nsl;
    x.d.ranged = ranged;
    x.d.split_ms = ranged ? s->opts.stream_split_ms : 0;
    if ((rc = st_sdesc_put(s, txn, &x)) || (ranged && (rc = st_layout_put(s, txn, &x))))
        return rc;
    t->stream_id = (uint32_t)sid;
    t->stream_ms = now;
    return 0;
}

int st_stream_disable(store_t *s, MDB_txn *txn, uint32_t sid, err_t *e)
{
    arena_t a;
    arena_init(&a);
    st_sdesc x;
    uint64_t sseq;
    int rc = st_sdesc_get(s, txn, sid, &a, &x, e);
    if (rc == ERR_RESOURCE_NOT_FOUND) { /* already expired: nothing to keep readable */
        err_clear(e);
        rc = 0;
        goto done;
    }
    if (rc || !x.d.enabled)
        goto done;
    if ((rc = st_meta_get_u64(s, txn, "sseq", &sseq)))
        goto done;
    x.d.enabled = false;
    x.d.disabled_ms = base_wall_ms();
    /* the open shard ends at the last number handed out; one that opened after it (no record
     * since) ends at its start, and the store's counter takes that number, so a reader's
     * GetRecords reaches the end and the shard ends (NextShardIterator null) at once, and no
     * record of another stream gets the number (review13 F7, test_review13 test_f7) */
    uint64_t last = sseq;
    for (size_t i = 0; i < x.d.n_shards; i++)
        if (x.d.shards[i].end == 0) {
            x.d.shards[i].end = sseq >= x.d.shards[i].start ? sseq : x.d.shards[i].start;
            if (x.d.shards[i].end > last)
                last = x.d.shards[i].end;
        }
    rc = st_sdesc_put(s, txn, &x);
    if (rc == 0 && x.d.ranged)
        rc = st_layout_put(s, txn, &x); /* removed: no more records */
    if (rc == 0 && last > sseq)
        rc = st_meta_put_u64(s, txn, "sseq", last);
done:
    arena_fini(&a);
    return rc;
}

/* The key attributes of item as an M (members borrow the item's values). */
static av_t st_keys_of(const store_table *t, const av_t *item, av_kv *kv)
{
    size_t n = 0;
    const av_t *h = av_map_gets(item, t->key.hash);
    if (h)
        kv[n++] = (av_kv){t->key.hash, strlen(t->key.hash), *h};
    if (t->key.range[0]) {
        const av_t *r = av_map_gets(item, t->key.range);
        if (r)
            kv[n++] = (av_kv){t->key.range, strlen(t->key.range), *r};
    }
    return av_make_m(kv, n);
}

int st_stream_put(store_t *s, MDB_txn *txn, const store_table *t, const store_write *w,
                  const av_t *old, const av_t *nw, uint64_t *seq)
{
    if (!t->stream_view || !t->stream_id || (!old && !nw))
        return 0;
    if (old && nw && av_equal(old, nw))
        return 0; /* the item did not change: no record, as DynamoDB */
    uint8_t ev = !old ? STORE_EV_INSERT : !nw ? STORE_EV_REMOVE : STORE_EV_MODIFY;
    av_kv kkv[2], mkv[3];
    size_t n = 0;
    av_t keys = st_keys_of(t, nw ? nw : old, kkv);
    mkv[n++] = (av_kv){"k", 1, keys};
    size_t size = av_item_size(&keys);
    bool want_new = t->stream_view == STORE_SV_NEW_IMAGE ||
                    t->stream_view == STORE_SV_NEW_AND_OLD_IMAGES;
    bool want_old = t->stream_view == STORE_SV_OLD_IMAGE ||
                    t->stream_view == STORE_SV_NEW_AND_OLD_IMAGES;
    if (want_new && nw) { /* the images' sizes as the commit measured them (store.h) */
        mkv[n++] = (av_kv){"n", 1, *nw};
        size += w->new_size;
    }
    if (want_old && old) {
        mkv[n++] = (av_kv){"o", 1, *old};
        size += w->old_size;
    }
    av_t m = av_make_m(mkv, n);
    buf_t b;
    buf_init(&b, 0);
    unsigned char hdr[ST_SREC_HDR];
    hdr[0] = ST_SREC_VERSION;
    hdr[1] = ev;
    hdr[2] = w->by_service ? 1 : 0;
    base_le_put(hdr + 3, (uint64_t)base_wall_ms(), 8);
    base_le_put(hdr + 11, size > UINT32_MAX ? UINT32_MAX : size, 4);
    int rc = buf_append(&b, hdr, sizeof hdr);
    if (rc == 0)
        rc = av_encode(&m, &b);
    if (rc == 0) {
        unsigned char kb[13];
        st_rkey(kb, t->stream_id, *seq + 1);
        MDB_val k = {sizeof kb, kb}, v = {b.len, b.data};
        rc = mdb_put(txn, s->db_streams, &k, &v, 0);
    }
    if (rc == 0) { /* a ranged stream: the record's shard indexes it */
        bool ranged = false;
        uint32_t shard = 0;
        const av_t *pk = av_map_gets(&keys, t->key.hash);
        rc = st_layout_shard(s, txn, t->stream_id, store_stream_hash(pk), &ranged, &shard);
        if (rc == 0 && ranged) {
            unsigned char xb[17];
            st_xkey(xb, t->stream_id, shard, *seq + 1);
            MDB_val k = {sizeof xb, xb}, v = {0, xb};
            rc = mdb_put(txn, s->db_streams, &k, &v, 0);
        }
    }
    if (rc == 0)
        (*seq)++;
    buf_fini(&b);
    return rc;
}

/* ---- reads ------------------------------------------------------------------------- */

/* A stream descriptor that cannot be decoded (rc ERR_IO: damaged, or a newer build's) is
 * passed over by the stream pass and by the listing, so that one bad record does not stop
 * every other stream's trimming and rollover nor take every stream's ListStreams down; it is
 * said once (the first 16 such streams), not on every pass.  Returns rc when it is any
 * other failure (out of memory: the pass or the listing fails). */
static int st_sdesc_skip(store_t *s, uint32_t sid, int rc, err_t *e)
{
    if (rc != ERR_IO)
        return rc;
    pthread_mutex_lock(&s->badmu);
    bool said = s->n_bad_sdesc == sizeof s->bad_sdesc / sizeof s->bad_sdesc[0];
    for (unsigned i = 0; i < s->n_bad_sdesc && !said; i++)
        said = s->bad_sdesc[i] == sid;
    if (!said)
        s->bad_sdesc[s->n_bad_sdesc++] = sid;
    pthread_mutex_unlock(&s->badmu);
    if (!said) {
        log_warn("store: stream %" PRIu32 " passed over: its descriptor cannot be read (%s); "
                 "its records are kept, not trimmed", sid, e->msg);
    }
    err_clear(e);
    return 0;
}

int store_stream_list(store_t *s, arena_t *a, store_stream **out, size_t *n, err_t *e)
{
    *out = NULL;
    *n = 0;
    if (!s->db_streams)
        return 0;
    MDB_txn *txn;
    MDB_cursor *cur = NULL;
    int rc = st_rtxn_begin(s, &txn);
    if (rc)
        return st_mdb_err(rc, e);
    size_t cap = 0;
    store_stream *v = NULL;
    if ((rc = mdb_cursor_open(txn, s->db_streams, &cur)))
        goto done;
    unsigned char kb[1] = {'S'};
    MDB_val k = {1, kb}, d;
    int mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
    while (mrc == 0 && k.mv_size == 5 && ((unsigned char *)k.mv_data)[0] == 'S') {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            store_stream *g = arena_alloc(a, nc * sizeof *g);
            if (!g) {
                rc = err_set(e, ERR_NOMEM, "out of memory");
                goto done;
            }
            if (*n)
                memcpy(g, v, *n * sizeof *g);
            v = g;
            cap = nc;
        }
        st_sdesc x;
        uint32_t sid = base_be32_get((unsigned char *)k.mv_data + 1);
        if ((rc = st_sdesc_decode(sid, &d, a, &x, e))) {
            /* one descriptor no version here reads (damaged, or a newer build's) does not
             * take every stream's listing down: passed over, said once, as by the pass */
            if ((rc = st_sdesc_skip(s, sid, rc, e)))
                goto done;
        } else {
            v[(*n)++] = x.d;
        }
        mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT);
    }
    if (mrc && mrc != MDB_NOTFOUND)
        rc = mrc;
    *out = v;
done:
    if (cur)
        mdb_cursor_close(cur);
    st_rtxn_end(s, txn);
    return st_mdb_err(rc, e);
}

int store_stream_get(store_t *s, uint32_t id, arena_t *a, store_stream *out, bool *found,
                     err_t *e)
{
    *found = false;
    memset(out, 0, sizeof *out);
    if (!s->db_streams)
        return 0;
    MDB_txn *txn;
    int rc = st_rtxn_begin(s, &txn);
    if (rc)
        return st_mdb_err(rc, e);
    st_sdesc x;
    rc = st_sdesc_get(s, txn, id, a, &x, e);
    st_rtxn_end(s, txn);
    if (rc == ERR_RESOURCE_NOT_FOUND) {
        err_clear(e);
        return 0;
    }
    if (rc)
        return st_mdb_err(rc, e);
    *out = x.d;
    *found = true;
    return 0;
}

int store_stream_last_seq(store_t *s, uint64_t *out, err_t *e)
{
    MDB_txn *txn;
    int rc = st_rtxn_begin(s, &txn);
    if (rc)
        return st_mdb_err(rc, e);
    rc = st_meta_get_u64(s, txn, "sseq", out);
    st_rtxn_end(s, txn);
    return st_mdb_err(rc, e);
}

static int st_srec_decode(const MDB_val *k, const MDB_val *v, arena_t *a, store_srec *r,
                          err_t *e)
{
    memset(r, 0, sizeof *r);
    const unsigned char *p = v->mv_data;
    if (v->mv_size < ST_SREC_HDR + 1 || p[0] != ST_SREC_VERSION)
        return err_set(e, ERR_IO, "corrupt stream record");
    r->seq = base_be64_get((const unsigned char *)k->mv_data + 5);
    r->event = p[1];
    r->by_service = p[2] & 1;
    r->ms = (int64_t)base_le_get(p + 3, 8);
    r->size = (uint32_t)base_le_get(p + 11, 4);
    MDB_val body = {v->mv_size - ST_SREC_HDR, (void *)(p + ST_SREC_HDR)};
    av_t m;
    int rc = st_decode(a, &body, &m, e);
    if (rc)
        return rc;
    if (m.type != AV_M)
        return err_set(e, ERR_IO, "corrupt stream record");
    const av_t *x;
    r->keys = (x = av_map_gets(&m, "k")) ? *x : (av_t){.type = AV_NONE};
    r->new_img = (x = av_map_gets(&m, "n")) ? *x : (av_t){.type = AV_NONE};
    r->old_img = (x = av_map_gets(&m, "o")) ? *x : (av_t){.type = AV_NONE};
    return 0;
}

uint32_t store_stream_slot(const av_t *pk, uint32_t n_slots)
{
    if (n_slots <= 1 || !pk)
        return 0;
    uint64_t h = 1469598103934665603ull; /* FNV-1a over the type and the bytes */
    h = (h ^ (uint64_t)pk->type) * 1099511628211ull;
    if (pk->type == AV_S || pk->type == AV_N || pk->type == AV_B)
        for (size_t i = 0; i < pk->u.str.len; i++)
            h = (h ^ (unsigned char)pk->u.str.ptr[i]) * 1099511628211ull;
    h ^= h >> 29;
    return (uint32_t)(h % n_slots);
}

uint32_t store_stream_hash(const av_t *pk)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a over the type and the bytes, then mixed */
    if (pk) {
        h = (h ^ (uint64_t)pk->type) * 1099511628211ull;
        if (pk->type == AV_S || pk->type == AV_N || pk->type == AV_B)
            for (size_t i = 0; i < pk->u.str.len; i++)
                h = (h ^ (unsigned char)pk->u.str.ptr[i]) * 1099511628211ull;
    }
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((h ^ (h >> 31)) >> 32);
}

#define ST_SLOT_SCAN_MAX 20000 /* records looked at per read of one slot */

/* Takes the record (k, d), numbered seq, into a read as v[*n] (st_read).  *end when the
 * read ends: before it, when it would take the read past max_bytes (it starts the next read;
 * the first record is always taken, so a read always makes progress: *full), or with it, at
 * the limit or the byte cap. */
static int st_read_take(const MDB_val *k, const MDB_val *d, uint64_t seq, size_t limit,
                        size_t max_bytes, arena_t *a, store_srec *v, size_t *n, size_t *bytes,
                        uint64_t *last_seq, bool *full, bool *end, err_t *e)
{
    if (max_bytes && *n > 0 && d->mv_size >= ST_SREC_HDR &&
        *bytes + base_le_get((const unsigned char *)d->mv_data + 11, 4) > max_bytes) {
        *full = *end = true;
        return 0;
    }
    int rc = st_srec_decode(k, d, a, &v[*n], e);
    if (rc)
        return rc;
    *bytes += v[*n].size;
    (*n)++;
    *last_seq = seq;
    if (*n == limit || (max_bytes && *bytes >= max_bytes)) {
        *full = *n < limit;
        *end = true;
    }
    return 0;
}

/* A read that found nothing more in its range covered every number handed out so far
 * (up to upto): *last_seq moves there, so the next read starts after it. */
static void st_read_covered(store_t *s, MDB_txn *txn, uint64_t upto, uint64_t *last_seq)
{
    uint64_t sseq = 0;
    if (st_meta_get_u64(s, txn, "sseq", &sseq) == 0) {
        if (upto && sseq > upto)
            sseq = upto;
        if (sseq > *last_seq)
            *last_seq = sseq;
    }
}

/* What a read walks: the stream's records in order (every one, or with n_slots > 1 those
 * whose partition key is in slot `slot`), or with by_shard one shard's index, each entry
 * looked up as its record. */
typedef struct st_rsel {
    bool by_shard;
    uint32_t shard;
    const char *hash_name;
    uint32_t slot, n_slots;
} st_rsel;

/* The one read behind store_stream_read, _read_slot and _read_shard: the walk differs only in
 * its key (a record's 13 bytes or an index entry's 17, both ending in the sequence number)
 * and in what it passes over. */
static int st_read(store_t *s, uint32_t id, const st_rsel *sel, uint64_t from, uint64_t upto,
                   size_t limit, size_t max_bytes, arena_t *a, store_srec **out, size_t *n,
                   uint64_t *last_seq, err_t *e)
{
    size_t scanned = 0;
    *out = NULL;
    *n = 0;
    *last_seq = from ? from - 1 : 0;
    if (!s->db_streams || limit == 0)
        return 0;
    MDB_txn *txn;
    MDB_cursor *cur = NULL;
    int rc = st_rtxn_begin(s, &txn);
    if (rc)
        return st_mdb_err(rc, e);
    arena_t scratch; /* records of other slots are decoded here and dropped */
    arena_init(&scratch);
    store_srec *v = arena_alloc(a, limit * sizeof *v);
    size_t bytes = 0;
    if (!v) {
        rc = err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = mdb_cursor_open(txn, s->db_streams, &cur)))
        goto done;
    unsigned char kb[17];
    size_t klen = sel->by_shard ? 17 : 13, plen = klen - 8; /* the prefix: all but seq */
    if (sel->by_shard)
        st_xkey(kb, id, sel->shard, from);
    else
        st_rkey(kb, id, from);
    MDB_val k = {klen, kb}, d;
    bool full = false; /* stopped by the size cap */
    int mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
    while (mrc == 0 && k.mv_size == klen && memcmp(k.mv_data, kb, plen) == 0) {
        uint64_t seq = base_be64_get((unsigned char *)k.mv_data + plen);
        if (upto && seq > upto)
            break;
        unsigned char rb[13];
        MDB_val rk = k, rv = d; /* the record */
        if (sel->by_shard) {
            st_rkey(rb, id, seq);
            rk = (MDB_val){sizeof rb, rb};
            if ((rc = mdb_get(txn, s->db_streams, &rk, &rv))) {
                if (rc == MDB_NOTFOUND) /* an index entry is trimmed with its record */
                    rc = err_set(e, ERR_IO, "corrupt stream index");
                goto done;
            }
        } else if (sel->n_slots > 1) {
            if (++scanned > ST_SLOT_SCAN_MAX) {
                full = true; /* the next read goes on from here */
                break;
            }
            store_srec probe;
            arena_reset(&scratch);
            if ((rc = st_srec_decode(&rk, &rv, &scratch, &probe, e)))
                goto done;
            const av_t *pk = probe.keys.type == AV_M ? av_map_gets(&probe.keys, sel->hash_name)
                                                     : NULL;
            if (store_stream_slot(pk, sel->n_slots) != sel->slot) {
                *last_seq = seq;
                mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT);
                continue;
            }
        }
        bool end = false;
        if ((rc = st_read_take(&rk, &rv, seq, limit, max_bytes, a, v, n, &bytes, last_seq,
                               &full, &end, e)))
            goto done;
        if (end)
            break;
        mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT);
    }
    if (mrc && mrc != MDB_NOTFOUND)
        rc = mrc;
    *out = v;
done:
    if (cur)
        mdb_cursor_close(cur);
    if (rc == 0 && *n < limit && !full) /* nothing more in range */
        st_read_covered(s, txn, upto, last_seq);
    st_rtxn_end(s, txn);
    arena_fini(&scratch);
    return st_mdb_err(rc, e);
}

int store_stream_read(store_t *s, uint32_t id, uint64_t from, uint64_t upto, size_t limit,
                      size_t max_bytes, arena_t *a, store_srec **out, size_t *n,
                      uint64_t *last_seq, err_t *e)
{
    st_rsel sel = {.n_slots = 1};
    return st_read(s, id, &sel, from, upto, limit, max_bytes, a, out, n, last_seq, e);
}

int store_stream_read_slot(store_t *s, uint32_t id, const char *hash_name, uint32_t slot,
                           uint32_t n_slots, uint64_t from, uint64_t upto, size_t limit,
                           size_t max_bytes, arena_t *a, store_srec **out, size_t *n,
                           uint64_t *last_seq, err_t *e)
{
    st_rsel sel = {.hash_name = hash_name, .slot = slot, .n_slots = n_slots};
    return st_read(s, id, &sel, from, upto, limit, max_bytes, a, out, n, last_seq, e);
}

int store_stream_read_shard(store_t *s, uint32_t id, uint32_t shard, uint64_t from,
                            uint64_t upto, size_t limit, size_t max_bytes, arena_t *a,
                            store_srec **out, size_t *n, uint64_t *last_seq, err_t *e)
{
    st_rsel sel = {.by_shard = true, .shard = shard};
    return st_read(s, id, &sel, from, upto, limit, max_bytes, a, out, n, last_seq, e);
}

/* ---- maintenance: trimming, expiry, rollover ------------------------------------------ */

typedef struct pass_ctx {
    int64_t now;
    uint32_t after; /* streams with a larger id are left for the next txn */
    bool more;
} pass_ctx;

/* The maintenance pass's rules, each written once: the pass (st_pass_one) applies them and
 * st_pass_due asks them without writing, so an idle store begins no write txn (b7ad99a0).
 * A record past the retention: written at or before cutoff. */
static bool st_srec_expired(const MDB_val *v, int64_t cutoff)
{
    return v->mv_size >= ST_SREC_HDR &&
           (int64_t)base_le_get((const unsigned char *)v->mv_data + 3, 8) <= cutoff;
}

/* A closed shard that goes: none of its records is left (first: the stream's first record's
 * number, 0 for none) and it is older than the retention. */
static bool st_shard_gone(const store_shard *sh, uint64_t first, int64_t cutoff)
{
    return sh->end && (first == 0 || first > sh->end) && sh->created_ms <= cutoff;
}

/* An open shard of a ranged stream due to split in two, while the stream has n_open open
 * shards. */
static bool st_shard_splits(const store_stream *d, const store_shard *sh, int64_t now,
                            size_t n_open)
{
    return d->ranged && d->split_ms > 0 && sh->split_from_ms + d->split_ms <= now &&
           sh->hi > sh->lo && n_open < STORE_STREAM_SHARDS_MAX;
}

/* An open shard due to roll over by its age (an empty one stays open: the caller's). */
static bool st_shard_old(const store_t *s, const store_shard *sh, int64_t now)
{
    return sh->created_ms + s->opts.stream_shard_ms <= now;
}

/* The first record's sequence number of stream sid (0 when it has none). */
static int st_first_seq(MDB_cursor *cur, uint32_t sid, uint64_t *out)
{
    unsigned char kb[13];
    st_rkey(kb, sid, 0);
    MDB_val k = {sizeof kb, kb}, d;
    *out = 0;
    int rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (k.mv_size == 13 && memcmp(k.mv_data, kb, 5) == 0)
        *out = base_be64_get((unsigned char *)k.mv_data + 5);
    return 0;
}

/* One stream: trim, drop expired shards, roll over, expire.  *changed when x was edited;
 * *gone when the stream was removed. */
static int st_pass_one(store_t *s, MDB_txn *txn, MDB_cursor *cur, st_sdesc *x, int64_t now,
                       bool *changed, bool *gone, bool *more)
{
    store_stream *d = &x->d;
    int64_t cutoff = now - s->opts.stream_retention_ms;
    uint64_t trim0 = d->trim;
    unsigned char kb[13];
    st_rkey(kb, d->id, 0);
    MDB_val k = {sizeof kb, kb}, v;
    size_t nd = 0;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size == 13 && memcmp(k.mv_data, kb, 5) == 0) {
        if (!st_srec_expired(&v, cutoff))
            break;
        if (nd == ST_TRIM_BATCH) {
            *more = true;
            break;
        }
        uint64_t seq = base_be64_get((unsigned char *)k.mv_data + 5);
        if ((rc = mdb_cursor_del(cur, 0)))
            return rc;
        nd++;
        d->trim = seq + 1;
        *changed = true;
        rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
        if (rc == EINVAL || rc == MDB_NOTFOUND)
            rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    }
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    /* a ranged stream's index entries go with their records: those below the new trim
     * point, of the shards that held any of them */
    for (size_t i = 0; d->ranged && d->trim > trim0 && i < d->n_shards; i++) {
        const store_shard *sh = &d->shards[i];
        if (sh->start >= d->trim || (sh->end && sh->end < trim0))
            continue;
        unsigned char xb[17];
        st_xkey(xb, d->id, sh->idx, 0);
        MDB_val xk = {sizeof xb, xb}, xv;
        rc = mdb_cursor_get(cur, &xk, &xv, MDB_SET_RANGE);
        while (rc == 0 && xk.mv_size == 17 && memcmp(xk.mv_data, xb, 9) == 0 &&
               base_be64_get((unsigned char *)xk.mv_data + 9) < d->trim) {
            if ((rc = mdb_cursor_del(cur, 0)))
                return rc;
            rc = mdb_cursor_get(cur, &xk, &xv, MDB_GET_CURRENT);
            if (rc == EINVAL || rc == MDB_NOTFOUND)
                rc = mdb_cursor_get(cur, &xk, &xv, MDB_SET_RANGE);
        }
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    uint64_t first;
    if ((rc = st_first_seq(cur, d->id, &first)))
        return rc;
    /* closed shards whose records are all gone and that are older than the retention */
    size_t w = 0;
    for (size_t i = 0; i < d->n_shards; i++) {
        const store_shard *sh = &d->shards[i];
        if (st_shard_gone(sh, first, cutoff)) {
            *changed = true;
            continue;
        }
        d->shards[w++] = *sh;
    }
    d->n_shards = w;
    if (!d->enabled) {
        if (first == 0 && d->disabled_ms <= cutoff) {
            unsigned char sk[5];
            st_skey(sk, d->id);
            MDB_val key = {sizeof sk, sk};
            rc = mdb_del(txn, s->db_streams, &key, NULL);
            *gone = rc == 0;
            return rc == MDB_NOTFOUND ? 0 : rc;
        }
        return 0;
    }
    /* the open shards (one per slot, or per range) roll over together: each is closed at the
     * last number handed out and gets a child of its slot or range, so a key's records stay in
     * one lineage; a ranged stream's open shard due to split gets two children instead, over
     * the halves of its range, while the stream has room for one more open shard */
    size_t n_open = 0, n_now = d->n_shards, spare = d->ranged ? 2 * STORE_STREAM_SHARDS_MAX
                                                                : d->n_slots;
    for (size_t i = 0; i < n_now; i++)
        n_open += d->shards[i].end == 0;
    size_t open_after = n_open;
    bool relaid = false;
    for (size_t i = 0; i < n_now; i++) {
        store_shard *open = &d->shards[i];
        if (open->end != 0)
            continue;
        bool split = st_shard_splits(d, open, now, open_after);
        if (!split && !st_shard_old(s, open, now))
            continue;
        uint64_t sseq;
        if ((rc = st_meta_get_u64(s, txn, "sseq", &sseq)))
            return rc;
        if (sseq < open->start) /* an empty shard stays open (nothing to close over) */
            continue;
        if (d->n_shards + (split ? 2 : 1) > n_now + spare)
            break; /* more open shards than there can be: a corrupt descriptor; no room */
        open->end = sseq;
        store_shard child = {.idx = x->next_shard++, .slot = open->slot,
                             .parent = (int32_t)open->idx, .parent_ms = open->created_ms,
                             .created_ms = now, .split_from_ms = open->split_from_ms,
                             .start = sseq + 1, .lo = open->lo, .hi = open->hi};
        if (split) {
            child.split_from_ms = now;
            uint32_t mid = open->lo + (open->hi - open->lo) / 2;
            child.hi = mid;
            d->shards[d->n_shards++] = child;
            child.idx = x->next_shard++;
            child.lo = mid + 1;
            child.hi = open->hi;
            open_after++;
        }
        d->shards[d->n_shards++] = child; /* the decoder left spare entries */
        *changed = true;
        relaid = true;
    }
    if (n_open == 0) { /* every shard expired: open a fresh one per slot (or range) */
        uint64_t sseq;
        if ((rc = st_meta_get_u64(s, txn, "sseq", &sseq)))
            return rc;
        if (d->ranged) {
            st_ranged_roots(d->shards, d->n_slots, x->next_shard, now, sseq + 1);
            x->next_shard += d->n_slots;
        } else {
            for (uint32_t i = 0; i < d->n_slots; i++)
                d->shards[i] = (store_shard){.idx = x->next_shard++, .slot = i, .parent = -1,
                                             .created_ms = now, .start = sseq + 1};
        }
        d->n_shards = d->n_slots;
        *changed = true;
        relaid = true;
    }
    return relaid && d->ranged ? st_layout_put(s, txn, x) : 0;
}

#define ST_PASS_STREAMS 64 /* streams handled per write txn */

static int st_pass_fn(store_t *s, MDB_txn *txn, void *vctx, err_t *e)
{
    pass_ctx *c = vctx;
    c->more = false;
    arena_t a;
    arena_init(&a);
    MDB_cursor *sc = NULL, *rcur = NULL;
    int rc = mdb_cursor_open(txn, s->db_streams, &sc);
    if (rc == 0)
        rc = mdb_cursor_open(txn, s->db_streams, &rcur);
    if (rc)
        goto done;
    unsigned char kb[5];
    st_skey(kb, c->after + 1);
    if (c->after == UINT32_MAX)
        goto done;
    MDB_val k = {sizeof kb, kb}, v;
    size_t seen = 0;
    int mrc = mdb_cursor_get(sc, &k, &v, MDB_SET_RANGE);
    while (mrc == 0 && k.mv_size == 5 && ((unsigned char *)k.mv_data)[0] == 'S') {
        uint32_t sid = base_be32_get((unsigned char *)k.mv_data + 1);
        if (seen++ == ST_PASS_STREAMS) {
            c->more = true;
            break;
        }
        arena_reset(&a);
        st_sdesc x;
        if ((rc = st_sdesc_decode(sid, &v, &a, &x, e))) {
            if ((rc = st_sdesc_skip(s, sid, rc, e)))
                goto done;
        } else {
            bool changed = false, gone = false, more = false;
            if ((rc = st_pass_one(s, txn, rcur, &x, c->now, &changed, &gone, &more)))
                goto done;
            if (more)
                c->more = true;
            if (changed && !gone && (rc = st_sdesc_put(s, txn, &x)))
                goto done;
            if (more) { /* this stream's trimming goes on in the next txn */
                c->after = sid - 1;
                break;
            }
        }
        c->after = sid;
        /* the cursor may have been disturbed by the puts/deletes: re-seek past sid */
        if (sid == UINT32_MAX)
            break;
        st_skey(kb, sid + 1);
        k.mv_size = sizeof kb;
        k.mv_data = kb;
        mrc = mdb_cursor_get(sc, &k, &v, MDB_SET_RANGE);
    }
    if (mrc && mrc != MDB_NOTFOUND)
        rc = mrc;
done:
    if (rcur)
        mdb_cursor_close(rcur);
    if (sc)
        mdb_cursor_close(sc);
    arena_fini(&a);
    return rc;
}

/* True when some stream has work due as of now (read-only look, so an idle store does not
 * write and sync every pass). */
static int st_pass_due(store_t *s, int64_t now, bool *due, err_t *e)
{
    *due = false;
    int64_t cutoff = now - s->opts.stream_retention_ms;
    MDB_txn *txn;
    MDB_cursor *sc = NULL, *rcur = NULL;
    arena_t a;
    arena_init(&a);
    int rc = st_rtxn_begin(s, &txn);
    if (rc) {
        arena_fini(&a);
        return st_mdb_err(rc, e);
    }
    uint64_t sseq; /* the last number handed out: an open shard that starts after it is empty */
    if ((rc = st_meta_get_u64(s, txn, "sseq", &sseq)) ||
        (rc = mdb_cursor_open(txn, s->db_streams, &sc)) ||
        (rc = mdb_cursor_open(txn, s->db_streams, &rcur)))
        goto done;
    unsigned char kb[1] = {'S'};
    MDB_val k = {1, kb}, v;
    int mrc = mdb_cursor_get(sc, &k, &v, MDB_SET_RANGE);
    while (!*due && mrc == 0 && k.mv_size == 5 && ((unsigned char *)k.mv_data)[0] == 'S') {
        uint32_t sid = base_be32_get((unsigned char *)k.mv_data + 1);
        arena_reset(&a);
        st_sdesc x;
        if ((rc = st_sdesc_decode(sid, &v, &a, &x, e))) {
            if ((rc = st_sdesc_skip(s, sid, rc, e)))
                goto done;
            mrc = mdb_cursor_get(sc, &k, &v, MDB_NEXT);
            continue;
        }
        const store_stream *d = &x.d;
        unsigned char rk[13];
        st_rkey(rk, sid, 0);
        MDB_val k2 = {sizeof rk, rk}, v2;
        int g = mdb_cursor_get(rcur, &k2, &v2, MDB_SET_RANGE);
        bool has = g == 0 && k2.mv_size == 13 && memcmp(k2.mv_data, rk, 5) == 0;
        if (has && st_srec_expired(&v2, cutoff))
            *due = true;
        if (!d->enabled && d->disabled_ms <= cutoff)
            *due = true;
        size_t n_open = 0;
        for (size_t i = 0; i < d->n_shards; i++)
            n_open += d->shards[i].end == 0;
        for (size_t i = 0; i < d->n_shards; i++) {
            const store_shard *sh = &d->shards[i];
            uint64_t first = has ? base_be64_get((unsigned char *)k2.mv_data + 5) : 0;
            if (st_shard_gone(sh, first, cutoff))
                *due = true;
            /* an empty open shard stays open (st_pass_one): not due, or an idle store
             * began a write txn and synced it every pass for good
             * (test_idle_stream_pass_writes_nothing) */
            bool rolls = d->enabled && !sh->end && sseq >= sh->start;
            if (rolls && (st_shard_old(s, sh, now) || st_shard_splits(d, sh, now, n_open)))
                *due = true;
        }
        if (d->enabled && d->n_shards == 0)
            *due = true;
        mrc = mdb_cursor_get(sc, &k, &v, MDB_NEXT);
    }
    if (mrc && mrc != MDB_NOTFOUND)
        rc = mrc;
done:
    if (rcur)
        mdb_cursor_close(rcur);
    if (sc)
        mdb_cursor_close(sc);
    st_rtxn_end(s, txn);
    arena_fini(&a);
    return st_mdb_err(rc, e);
}

int store_stream_pass(store_t *s, int64_t now_ms, err_t *e)
{
    if (!s->db_streams || s->opts.read_only)
        return 0;
    bool due;
    int rc0 = st_pass_due(s, now_ms, &due, e);
    if (rc0 || !due)
        return rc0;
    pass_ctx c = {.now = now_ms, .after = 0};
    int rc;
    do /* each txn trims records or moves past streams: this ends */
        rc = st_write_txn(s, st_pass_fn, &c, e);
    while (rc == 0 && c.more);
    return rc;
}
