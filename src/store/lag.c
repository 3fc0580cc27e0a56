/*
 * lag — the opt-in GSI replication lag (`ddbchat serve --gsi-lag MS`, store_opts.gsi_lag_ms).
 * Layer: store.
 *
 * The stored index stays exact; the lag is applied when a global secondary index is read.
 * Every change a write makes to a GSI entry is noted here with the entry's value before it
 * (its "before image", or none when the entry did not exist) and the time; a read of the
 * index (query.c) takes the notes younger than the lag and shows, for each key they name, the
 * before image of the oldest of them instead of what LMDB holds: the index as it was `lag` ms
 * ago.  Notes are taken inside the write transaction, before its commit, so any reader whose
 * snapshot holds a change also finds its note; a note of a change that was then rolled back
 * names the state LMDB still holds, so it changes nothing; so does the second note a commit
 * round re-run after a failed write half takes of the same change (commit.c st_lead: the
 * aborted run's note names the same before image and is older, and the oldest note wins), so
 * the aborted run's notes are left to age out (review7 4).  Notes older than the lag are
 * dropped as new ones come; at most ST_LAG_MAX notes are kept (beyond, the oldest go and their
 * changes show early).  Writes of other processes on the same data dir are not seen here
 * (they show at once).  With the lag off nothing is noted (one branch per index write).
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define ST_LAG_MAX 1000000 /* notes kept at most (memory bound under a write flood) */

struct st_lag_note {
    int64_t t_ms;
    uint32_t tid;
    uint8_t iid;
    bool has_before;
    size_t klen, vlen;
    unsigned char data[]; /* key, then the before image */
};

void st_lag_init(store_t *s)
{
    pthread_mutex_init(&s->lagmu, NULL);
    s->lag = NULL;
    s->lag_head = s->lag_n = s->lag_cap = 0;
}

void st_lag_fini(store_t *s)
{
    for (size_t i = s->lag_head; i < s->lag_n; i++)
        free(s->lag[i]);
    free(s->lag);
    s->lag = NULL;
    s->lag_head = s->lag_n = s->lag_cap = 0;
    pthread_mutex_destroy(&s->lagmu);
}

/* Drops the notes older than the lag (and beyond ST_LAG_MAX); lagmu held. */
static void st_lag_prune(store_t *s, int64_t now)
{
    int64_t cutoff = now - s->opts.gsi_lag_ms;
    while (s->lag_head < s->lag_n &&
           (s->lag[s->lag_head]->t_ms <= cutoff || s->lag_n - s->lag_head >= ST_LAG_MAX)) {
        free(s->lag[s->lag_head]);
        s->lag[s->lag_head++] = NULL;
    }
    if (s->lag_head == s->lag_n) {
        s->lag_head = s->lag_n = 0;
    } else if (s->lag_head > s->lag_cap / 2) {
        memmove(s->lag, s->lag + s->lag_head, (s->lag_n - s->lag_head) * sizeof *s->lag);
        s->lag_n -= s->lag_head;
        s->lag_head = 0;
    }
}

int st_lag_note(store_t *s, uint32_t tid, uint8_t iid, const void *key, size_t klen,
                const void *before, size_t blen)
{
    st_lag_note_t *n = malloc(sizeof *n + klen + (before ? blen : 0));
    if (!n)
        return ERR_NOMEM;
    n->tid = tid;
    n->iid = iid;
    n->klen = klen;
    n->has_before = before != NULL;
    n->vlen = before ? blen : 0;
    memcpy(n->data, key, klen);
    if (before && blen)
        memcpy(n->data + klen, before, blen);
    pthread_mutex_lock(&s->lagmu);
    n->t_ms = base_wall_ms();
    st_lag_prune(s, n->t_ms);
    if (s->lag_n == s->lag_cap) {
        size_t nc = s->lag_cap ? s->lag_cap * 2 : 256;
        st_lag_note_t **g = realloc(s->lag, nc * sizeof *g);
        if (!g) {
            pthread_mutex_unlock(&s->lagmu);
            free(n);
            return ERR_NOMEM;
        }
        s->lag = g;
        s->lag_cap = nc;
    }
    s->lag[s->lag_n++] = n;
    pthread_mutex_unlock(&s->lagmu);
    return 0;
}

typedef struct lag_sort {
    st_lag_view v;
    size_t seq;
} lag_sort;

static int st_lag_cmp(const void *pa, const void *pb)
{
    const lag_sort *a = pa, *b = pb;
    size_t m = a->v.klen < b->v.klen ? a->v.klen : b->v.klen;
    int c = memcmp(a->v.key, b->v.key, m);
    if (c == 0)
        c = a->v.klen < b->v.klen ? -1 : a->v.klen > b->v.klen;
    if (c == 0)
        c = a->seq < b->seq ? -1 : a->seq > b->seq;
    return c;
}

int st_lag_view_get(store_t *s, uint32_t tid, uint8_t iid, arena_t *a, st_lag_view **out,
                    size_t *out_n)
{
    *out = NULL;
    *out_n = 0;
    int rc = 0;
    pthread_mutex_lock(&s->lagmu);
    int64_t cutoff = base_wall_ms() - s->opts.gsi_lag_ms;
    size_t cnt = 0;
    for (size_t i = s->lag_head; i < s->lag_n; i++)
        cnt += s->lag[i]->t_ms > cutoff && s->lag[i]->tid == tid && s->lag[i]->iid == iid;
    lag_sort *ls = NULL;
    if (cnt) {
        ls = arena_alloc(a, cnt * sizeof *ls);
        if (!ls)
            rc = ERR_NOMEM;
    }
    size_t n = 0;
    for (size_t i = s->lag_head; rc == 0 && n < cnt && i < s->lag_n; i++) {
        const st_lag_note_t *x = s->lag[i];
        if (x->t_ms <= cutoff || x->tid != tid || x->iid != iid)
            continue;
        unsigned char *d = arena_memdup(a, x->data, x->klen + x->vlen ? x->klen + x->vlen : 1);
        if (!d) {
            rc = ERR_NOMEM;
            break;
        }
        ls[n].v.key = d;
        ls[n].v.klen = x->klen;
        ls[n].v.before = x->has_before ? d + x->klen : NULL;
        ls[n].v.blen = x->vlen;
        ls[n].seq = n;
        n++;
    }
    pthread_mutex_unlock(&s->lagmu);
    if (rc || n == 0)
        return rc;
    qsort(ls, n, sizeof *ls, st_lag_cmp);
    /* one view per key: the oldest note's before image */
    st_lag_view *v = arena_alloc(a, n * sizeof *v);
    if (!v)
        return ERR_NOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || ls[i].v.klen != ls[i - 1].v.klen ||
            memcmp(ls[i].v.key, ls[i - 1].v.key, ls[i].v.klen) != 0)
            v[m++] = ls[i].v;
    *out = v;
    *out_n = m;
    return 0;
}
