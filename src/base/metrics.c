/*
 * metrics — sharded relaxed-atomic counters and Prometheus text helpers.  Layer: base.
 * See metrics.h.  Tests: tests/unit/base/test_metrics.c, tests/e2e/test_metrics.py.
 */
#include "base/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

const uint64_t met_lat_bounds_us[MET_LAT_BUCKETS - 1] = {
    50,    100,    250,    500,     1000,    2500,    5000,     10000,
    25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 10000000};

typedef struct met_shard {
    _Alignas(64) _Atomic uint64_t req[MET_MAX_OPS];
    _Atomic uint64_t err[MET_MAX_OPS][MET_ERR_SLOTS];
    _Atomic uint64_t lat[MET_MAX_OPS][MET_LAT_BUCKETS];
    _Atomic uint64_t lat_sum[MET_MAX_OPS];
    _Atomic uint64_t cap[MET_MAX_TABLES][2];
} met_shard;

struct met {
    met_shard *shards; /* MET_SHARDS */
    _Atomic unsigned next_shard;
    _Atomic uint32_t tab_id[MET_MAX_TABLES];   /* 0 = free */
    _Atomic int tab_ready[MET_MAX_TABLES];     /* name written */
    char tab_name[MET_MAX_TABLES][MET_NAME_MAX];
    pthread_mutex_t cmu; /* the collector list */
    struct {
        met_collector_fn fn;
        void *ctx;
    } coll[MET_MAX_COLLECTORS];
    int n_coll;
};

/* This thread's shard of one met_t (a thread counts into at most a few). */
static _Thread_local const met_t *met_tls_m;
static _Thread_local unsigned met_tls_shard;

static met_shard *met_my_shard(met_t *m)
{
    if (met_tls_m != m) {
        met_tls_m = m;
        met_tls_shard = atomic_fetch_add_explicit(&m->next_shard, 1, memory_order_relaxed) %
                        MET_SHARDS;
    }
    return &m->shards[met_tls_shard];
}

int met_new(met_t **out)
{
    *out = NULL;
    met_t *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    /* fresh anonymous pages (zero, page-aligned): a shard costs RSS only once counted into
     * (aligned_alloc + memset wrote all ~800 KB at start-up: issue 13.4, idle RSS) */
    void *sh = mmap(NULL, sizeof(met_shard) * MET_SHARDS, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        free(m);
        return -1;
    }
    m->shards = sh;
    pthread_mutex_init(&m->cmu, NULL);
    *out = m;
    return 0;
}

void met_free(met_t *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->cmu);
    munmap(m->shards, sizeof(met_shard) * MET_SHARDS);
    free(m);
}

int met_add_collector(met_t *m, met_collector_fn fn, void *ctx)
{
    if (!m || !fn)
        return -1;
    pthread_mutex_lock(&m->cmu);
    int rc = -1;
    if (m->n_coll < MET_MAX_COLLECTORS) {
        m->coll[m->n_coll].fn = fn;
        m->coll[m->n_coll].ctx = ctx;
        m->n_coll++;
        rc = 0;
    }
    pthread_mutex_unlock(&m->cmu);
    return rc;
}

void met_remove_collector(met_t *m, met_collector_fn fn, void *ctx)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->cmu);
    for (int i = 0; i < m->n_coll; i++) {
        if (m->coll[i].fn == fn && m->coll[i].ctx == ctx) {
            m->coll[i] = m->coll[--m->n_coll];
            break;
        }
    }
    pthread_mutex_unlock(&m->cmu);
}

void met_run_collectors(met_t *m, buf_t *b)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->cmu);
    for (int i = 0; i < m->n_coll; i++)
        m->coll[i].fn(m->coll[i].ctx, b);
    pthread_mutex_unlock(&m->cmu);
}

static int met_lat_bucket(uint64_t us)
{
    int lo = 0, hi = MET_LAT_BUCKETS - 1; /* first bound >= us, or the +Inf bucket */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (met_lat_bounds_us[mid] >= us)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void met_request(met_t *m, int op, int err, uint64_t us)
{
    if (!m)
        return;
    if (op < 0 || op >= MET_MAX_OPS)
        op = MET_OP_OTHER;
    met_shard *s = met_my_shard(m);
    atomic_fetch_add_explicit(&s->req[op], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->lat[op][met_lat_bucket(us)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->lat_sum[op], us, memory_order_relaxed);
    if (err < 0) {
        int row = -err - 1;
        if (row >= MET_ERR_SLOTS)
            row = MET_ERR_SLOTS - 1;
        atomic_fetch_add_explicit(&s->err[op][row], 1, memory_order_relaxed);
    }
}

/* The slot of table id, claiming a free one (and writing its name) the first time. */
static int met_table_slot(met_t *m, uint32_t id, const char *name)
{
    uint32_t h = id * 2654435761u;
    for (int probe = 0; probe < MET_MAX_TABLES - 1; probe++) {
        int i = (int)((h + (uint32_t)probe) % (MET_MAX_TABLES - 1));
        uint32_t cur = atomic_load_explicit(&m->tab_id[i], memory_order_acquire);
        if (cur == id)
            return i;
        if (cur != 0)
            continue;
        uint32_t zero = 0;
        if (atomic_compare_exchange_strong_explicit(&m->tab_id[i], &zero, id,
                                                    memory_order_acq_rel, memory_order_acquire)) {
            snprintf(m->tab_name[i], MET_NAME_MAX, "%s", name ? name : "");
            atomic_store_explicit(&m->tab_ready[i], 1, memory_order_release);
            return i;
        }
        if (zero == id) /* another thread claimed it for the same table */
            return i;
    }
    return MET_MAX_TABLES - 1; /* full: the shared overflow slot */
}

void met_capacity(met_t *m, uint32_t id, const char *name, uint64_t read_h, uint64_t write_h)
{
    if (!m || id == 0 || (read_h == 0 && write_h == 0))
        return;
    int i = met_table_slot(m, id, name);
    met_shard *s = met_my_shard(m);
    if (read_h)
        atomic_fetch_add_explicit(&s->cap[i][0], read_h, memory_order_relaxed);
    if (write_h)
        atomic_fetch_add_explicit(&s->cap[i][1], write_h, memory_order_relaxed);
}

void met_read_op(met_t *m, int op, met_op_totals *out)
{
    memset(out, 0, sizeof *out);
    if (!m || op < 0 || op >= MET_MAX_OPS)
        return;
    for (int k = 0; k < MET_SHARDS; k++) {
        met_shard *s = &m->shards[k];
        out->requests += atomic_load_explicit(&s->req[op], memory_order_relaxed);
        out->lat_sum_us += atomic_load_explicit(&s->lat_sum[op], memory_order_relaxed);
        for (int j = 0; j < MET_ERR_SLOTS; j++)
            out->errors[j] += atomic_load_explicit(&s->err[op][j], memory_order_relaxed);
        for (int j = 0; j < MET_LAT_BUCKETS; j++)
            out->lat[j] += atomic_load_explicit(&s->lat[op][j], memory_order_relaxed);
    }
}

void met_read_tables(met_t *m,
                     void (*fn)(void *ctx, const char *name, uint64_t read_h, uint64_t write_h),
                     void *ctx)
{
    if (!m)
        return;
    for (int i = 0; i < MET_MAX_TABLES; i++) {
        bool overflow = i == MET_MAX_TABLES - 1;
        if (!overflow && !atomic_load_explicit(&m->tab_ready[i], memory_order_acquire))
            continue;
        uint64_t r = 0, w = 0;
        for (int k = 0; k < MET_SHARDS; k++) {
            r += atomic_load_explicit(&m->shards[k].cap[i][0], memory_order_relaxed);
            w += atomic_load_explicit(&m->shards[k].cap[i][1], memory_order_relaxed);
        }
        if (overflow && r == 0 && w == 0)
            continue;
        fn(ctx, overflow ? "_other" : m->tab_name[i], r, w);
    }
}

void met_prom_header(buf_t *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void met_prom_escape(buf_t *b, const char *value)
{
    for (const char *p = value; *p; p++) {
        if (*p == '\\')
            buf_append(b, "\\\\", 2);
        else if (*p == '"')
            buf_append(b, "\\\"", 2);
        else if (*p == '\n')
            buf_append(b, "\\n", 2);
        else
            buf_putc(b, (unsigned char)*p);
    }
}

void met_prom_u64(buf_t *b, uint64_t v)
{
    buf_printf(b, "%llu", (unsigned long long)v);
}

void met_prom_double(buf_t *b, double v)
{
    buf_printf(b, "%.9g", v);
}
