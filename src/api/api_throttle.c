/*
 * api_throttle — the opt-in throttling (`ddbchat serve --throttle`, api_opts.throttle).
 * Layer: api.
 *
 * DynamoDB Local never throttles, so code that forgets to retry, or retries without backoff,
 * passes every local test and fails on AWS.  With the switch on, each table and each of its
 * GSIs has a read and a write token bucket (base/tbucket.h), in memory:
 *   - provisioned tables: the table's ReadCapacityUnits / WriteCapacityUnits and each GSI's
 *     own, earned per second, up to 300 seconds of unused capacity kept for bursts (the
 *     Developer Guide's "burst capacity"); a new table starts with one second's worth.
 *     Over it: ProvisionedThroughputExceededException with the service's text.
 *   - on-demand tables: the table's OnDemandThroughput maximum when it has one, otherwise
 *     AWS's default per-table quota, 40,000 read and 40,000 write request units a second
 *     (the quotas page); each GSI likewise, by its own OnDemandThroughput (an index's
 *     ceiling is independent of the table's, ack-api-quirks DDB-TABLE-135); over it:
 *     ThrottlingException (the service's on-demand answer).
 * Capacity is counted as ConsumedCapacity counts it (api_item.c: 4 KB read units, eventually
 * consistent half, 1 KB write units, transactional double, GSI writes charged to the GSI).
 * A request is admitted when the bucket it spends covers the smallest request of its kind
 * (taken at once), and charged the rest once it ran, so one large request may run the
 * bucket into debt and throttle the ones after it, as on AWS.  A write also needs credit in
 * every GSI of its table: AWS throttles a table's writes when a GSI lacks write capacity
 * (conservatively here: even a write that would not touch that GSI).  Errors carry
 * ThrottlingReasons (reason + ARN), as the service's do now.
 *
 * Tables are found by id in a small chained hash under one mutex held for a few hundred
 * nanoseconds; their configuration is re-read from the table's metadata only when a hash of
 * it (and of the index list) changes, so UpdateTable's new capacity applies to the next
 * request.  At most THR_MAX_TABLES tables are tracked; past it the least recently used one
 * is forgotten (it starts again with one second's credit).  Off: api->thr is NULL and each
 * handler pays one branch (api_thr_admit is inline).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/burst-adaptive-capacity.html
 */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_int.h"
#include "api/api_item.h"
#include "api/api_text.h"
#include "api/api_throttle.h"
#include "base/tbucket.h"

#define THR_BURST_S 300       /* seconds of unused provisioned capacity kept (AWS) */
#define THR_OD_BURST_S 1      /* on-demand limits: per second, nothing kept */
#define THR_OD_DEFAULT 40000  /* AWS's default per-table on-demand quota, units/s */
#define THR_BUCKETS 256       /* hash chains */
#define THR_MAX_TABLES 4096   /* tables tracked at once */
#define THR_NO_LIMIT 1000000 /* units/s standing for "not limited" */
#define THR_HALF (TBUCKET_MICRO / 2) /* micro-units per half unit */

enum thr_mode { THR_UNLIMITED, THR_PROVISIONED, THR_ON_DEMAND };

typedef struct thr_res {
    tbucket rd, wr;
    bool od_max_rd, od_max_wr; /* on-demand: its own maximum (not AWS's default) */
} thr_res;

typedef struct thr_table {
    uint32_t id;
    uint64_t conf_hash; /* of the metadata and index list the buckets were set from */
    enum thr_mode mode;
    int64_t used_us;           /* last use, for eviction */
    int64_t recheck_ms;        /* wall-clock ms when a capacity change in progress is done and
                                * the buckets take its new rates (0: none) */
    struct thr_table *next;
    thr_res res[1 + STORE_MAX_INDEXES]; /* [0] the table, [1 + i] t->idx[i] (GSIs only) */
} thr_table;

struct api_thr {
    pthread_mutex_t mu;
    thr_table *chain[THR_BUCKETS];
    size_t n;
};

static int64_t thr_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int api_thr_init(api_t *api, bool on)
{
    api->thr = NULL;
    if (!on)
        return 0;
    struct api_thr *s = calloc(1, sizeof *s);
    if (!s)
        return ERR_NOMEM;
    pthread_mutex_init(&s->mu, NULL);
    api->thr = s;
    return 0;
}

void api_thr_fini(api_t *api)
{
    struct api_thr *s = api ? api->thr : NULL;
    if (!s)
        return;
    for (size_t i = 0; i < THR_BUCKETS; i++) {
        thr_table *e = s->chain[i];
        while (e) {
            thr_table *n = e->next;
            free(e);
            e = n;
        }
    }
    pthread_mutex_destroy(&s->mu);
    free(s);
    api->thr = NULL;
}

/* FNV-1a over the metadata text and the indexes (id, kind): what the buckets depend on. */
static uint64_t thr_conf_hash(const store_table *t)
{
    uint64_t x = 1469598103934665603ULL;
    for (size_t i = 0; t->meta && i < t->meta_len; i++)
        x = (x ^ (unsigned char)t->meta[i]) * 1099511628211ULL;
    for (size_t i = 0; i < t->n_idx; i++)
        x = (x ^ (uint64_t)(t->idx[i].id | (t->idx[i].global ? 0x100u : 0u))) * 1099511628211ULL;
    return x ^ t->n_idx;
}

static int64_t thr_int(json_t *o, const char *k)
{
    json_t *j = json_object_get(o, k);
    return json_is_integer(j) ? (int64_t)json_integer_value(j) : 0;
}

/* The read and write capacity of o (the table's metadata or a GSI's entry) in effect at
 * wall-clock ms `wall` (api_tp_capacity: while an UpdateTable change of it is in progress the
 * old one, as AWS runs it: "While the table is in the UPDATING state, the table still has the
 * provisioned throughput from before the call"); e->recheck_ms then says when to take the new
 * one. */
static void thr_capacity(thr_table *e, json_t *o, int64_t wall, int64_t out[2])
{
    int64_t until = api_tp_capacity(o, wall, out);
    if (until && (!e->recheck_ms || until < e->recheck_ms))
        e->recheck_ms = until;
}

/* Sets e's buckets from t's metadata: fresh buckets when `fresh`, else new rates kept with
 * the credit earned so far. */
static void thr_configure(thr_table *e, const store_table *t, bool fresh, int64_t now)
{
    json_t *meta = api_table_meta(t); /* NULL (out of memory): unthrottled until the next look */
    const char *bm = json_string_value(json_object_get(meta, "BillingMode"));
    e->mode = !meta || !bm ? THR_UNLIMITED
              : strcmp(bm, "PAY_PER_REQUEST") == 0 ? THR_ON_DEMAND
                                                   : THR_PROVISIONED;
    int64_t rate[1 + STORE_MAX_INDEXES][2];
    int64_t burst = e->mode == THR_PROVISIONED ? THR_BURST_S : THR_OD_BURST_S;
    bool od_rd[1 + STORE_MAX_INDEXES] = {0}, od_wr[1 + STORE_MAX_INDEXES] = {0};
    e->recheck_ms = 0;
    if (e->mode == THR_PROVISIONED) {
        int64_t wall = base_wall_ms();
        thr_capacity(e, meta, wall, rate[0]);
        json_t *g = json_object_get(meta, "Gsi");
        for (size_t i = 0; i < t->n_idx; i++)
            thr_capacity(e, json_object_get(g, t->idx[i].name), wall, rate[1 + i]);
    } else {
        json_t *g = json_object_get(meta, "Gsi");
        for (size_t i = 0; i < 1 + t->n_idx; i++) {
            json_t *holder = i ? json_object_get(g, t->idx[i - 1].name) : meta;
            json_t *odt = json_object_get(holder, "Odt");
            int64_t mr = thr_int(odt, "MaxReadRequestUnits");
            int64_t mw = thr_int(odt, "MaxWriteRequestUnits");
            od_rd[i] = mr > 0;
            od_wr[i] = mw > 0;
            rate[i][0] = mr > 0 ? mr : THR_OD_DEFAULT;
            rate[i][1] = mw > 0 ? mw : THR_OD_DEFAULT;
        }
    }
    json_decref(meta);
    for (size_t i = 0; i < 1 + t->n_idx; i++) {
        /* a capacity the metadata does not give (a table made outside the API): unlimited */
        for (int k = 0; k < 2; k++)
            if (rate[i][k] <= 0)
                rate[i][k] = THR_NO_LIMIT;
        thr_res *res = &e->res[i];
        res->od_max_rd = od_rd[i];
        res->od_max_wr = od_wr[i];
        if (fresh || res->rd.burst_s != burst) {
            tbucket_init(&res->rd, rate[i][0], burst, now);
            tbucket_init(&res->wr, rate[i][1], burst, now);
        } else {
            tbucket_set_rate(&res->rd, rate[i][0], now);
            tbucket_set_rate(&res->wr, rate[i][1], now);
        }
    }
}

/* Forgets the least recently used table (caller holds the lock). */
static void thr_evict(struct api_thr *s)
{
    thr_table **victim = NULL;
    for (size_t i = 0; i < THR_BUCKETS; i++)
        for (thr_table **p = &s->chain[i]; *p; p = &(*p)->next)
            if (!victim || (*p)->used_us < (*victim)->used_us)
                victim = p;
    if (victim) {
        thr_table *e = *victim;
        *victim = e->next;
        free(e);
        s->n--;
    }
}

/* t's entry, created or reconfigured as needed (caller holds the lock); NULL when out of
 * memory (the request then runs unthrottled: throttling is a simulation, not a guard). */
static thr_table *thr_entry(struct api_thr *s, const store_table *t, int64_t now)
{
    uint64_t h = thr_conf_hash(t);
    thr_table **head = &s->chain[t->id % THR_BUCKETS], *e = *head;
    while (e && e->id != t->id)
        e = e->next;
    if (!e) {
        if (s->n >= THR_MAX_TABLES)
            thr_evict(s);
        e = calloc(1, sizeof *e);
        if (!e)
            return NULL;
        e->id = t->id;
        e->conf_hash = h;
        thr_configure(e, t, true, now);
        e->next = *head;
        *head = e;
        s->n++;
    } else if (e->conf_hash != h || (e->recheck_ms && base_wall_ms() >= e->recheck_ms)) {
        e->conf_hash = h;
        thr_configure(e, t, false, now);
    }
    e->used_us = now;
    return e;
}

/* The refusal: AWS's exception and text, and ThrottlingReasons naming the resource (res: the
 * denied resource's bucket pair, for its on-demand maximum). */
static int thr_deny(api_req *r, const store_table *t, enum thr_mode mode, const thr_res *res,
                    const store_index *ix, bool write)
{
    bool od = mode == THR_ON_DEMAND;
    int code = od ? ERR_ON_DEMAND_THROTTLED : ERR_PROVISIONED_THROUGHPUT;
    if (r->err->code)
        return code; /* an earlier refusal (a batch's first) is the one reported */
    const char *msg = od ? (ix ? TXT_THR_OD_GSI : TXT_THR_OD_TABLE)
                         : (ix ? TXT_THR_GSI : TXT_THR_TABLE);
    const char *limit = !od ? "ProvisionedThroughputExceeded"
                        : (write ? res->od_max_wr : res->od_max_rd)
                            ? "MaxOnDemandThroughputExceeded"
                            : "AccountLimitExceeded";
    char *reason = arena_printf(r->arena, "%s%s%s", ix ? "Index" : "Table",
                                write ? "Write" : "Read", limit);
    char *arn = ix ? arena_printf(r->arena, "arn:aws:dynamodb:%s:%s:table/%s/index/%s",
                                  r->api->region, r->api->account_id, api_table_name(t),
                                  ix->name)
                   : arena_printf(r->arena, "arn:aws:dynamodb:%s:%s:table/%s", r->api->region,
                                  r->api->account_id, api_table_name(t));
    if (reason && arn && !r->err_extra) {
        r->err_extra = json_pack("{s:[{s:s,s:s}]}", "ThrottlingReasons", "reason", reason,
                                 "resource", arn);
    }
    return err_set(r->err, code, "%s", msg);
}

static size_t thr_slot(const store_table *t, const store_index *ix)
{
    return ix && ix->global ? 1 + (size_t)(ix - t->idx) : 0;
}

int api_thr_admit_slow(api_req *r, const store_table *t, const store_index *ix, bool write,
                       uint64_t min_h)
{
    struct api_thr *s = r->api->thr;
    int64_t now = thr_now_us(), want = (int64_t)min_h * THR_HALF;
    const store_index *deny_ix = NULL;
    bool deny = false;
    /* what the refusal's text depends on, copied out of the lock */
    enum thr_mode mode = THR_UNLIMITED;
    thr_res snap = {0};
    pthread_mutex_lock(&s->mu);
    thr_table *e = thr_entry(s, t, now);
    if (e && e->mode != THR_UNLIMITED) {
        thr_res *res = &e->res[thr_slot(t, ix)];
        tbucket *b = write ? &res->wr : &res->rd;
        if (!tbucket_can(b, want, now)) {
            deny = true;
            deny_ix = ix && ix->global ? ix : NULL;
        }
        /* a write needs credit for the smallest write in every GSI too (the index's write
         * is part of it; the GSI is charged only what the write really did to it) */
        int64_t gwant = API_THR_WRITE * THR_HALF;
        for (size_t i = 0; write && !deny && i < t->n_idx; i++)
            if (t->idx[i].global && !tbucket_can(&e->res[1 + i].wr, gwant, now)) {
                deny = true;
                deny_ix = &t->idx[i];
            }
        if (!deny)
            tbucket_charge(b, want);
        mode = e->mode;
        snap = e->res[thr_slot(t, deny_ix)];
    }
    pthread_mutex_unlock(&s->mu);
    return deny ? thr_deny(r, t, mode, &snap, deny_ix, write) : 0;
}

/* t's entry as admission left it (no metadata hash: the request's own admission just
 * brought it up to date), or NULL. */
static thr_table *thr_find(struct api_thr *s, const store_table *t)
{
    thr_table *e = s->chain[t->id % THR_BUCKETS];
    while (e && e->id != t->id)
        e = e->next;
    return e;
}

/* Adds `d` half units (negative: gives back) to bucket `slot` of t (caller holds the lock). */
static void thr_apply(struct api_thr *s, const store_table *t, size_t slot, bool write,
                      int64_t d)
{
    thr_table *e = thr_find(s, t);
    if (!e || e->mode == THR_UNLIMITED || d == 0)
        return;
    tbucket *b = write ? &e->res[slot].wr : &e->res[slot].rd;
    if (d > 0)
        tbucket_charge(b, d * THR_HALF);
    else
        tbucket_refund(b, -d * THR_HALF);
}

void api_thr_charge_read(api_req *r, const store_table *t, const store_index *ix, uint64_t h,
                         uint64_t min_h)
{
    struct api_thr *s = r->api->thr;
    if (!s || h == min_h) /* the usual small read: admission took it all */
        return;
    pthread_mutex_lock(&s->mu);
    thr_apply(s, t, thr_slot(t, ix), false, (int64_t)h - (int64_t)min_h);
    pthread_mutex_unlock(&s->mu);
}

void api_thr_charge_write(api_req *r, const store_table *t, const api_cap *cap, uint64_t min_h)
{
    struct api_thr *s = r->api->thr;
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    int64_t table_h = (int64_t)cap->table_h;
    for (size_t k = 0; k < cap->n_idx; k++) {
        if (!cap->idx[k].global) {
            table_h += (int64_t)cap->idx[k].h; /* an LSI shares the table's capacity */
            continue;
        }
        for (size_t i = 0; i < t->n_idx; i++)
            if (t->idx[i].global && strcmp(t->idx[i].name, cap->idx[k].name) == 0)
                thr_apply(s, t, 1 + i, true, (int64_t)cap->idx[k].h);
    }
    thr_apply(s, t, 0, true, table_h - (int64_t)min_h);
    pthread_mutex_unlock(&s->mu);
}

void api_thr_refund(api_req *r, const store_table *t, const store_index *ix, bool write,
                    uint64_t min_h)
{
    struct api_thr *s = r->api->thr;
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    thr_apply(s, t, thr_slot(t, ix), write, -(int64_t)min_h);
    pthread_mutex_unlock(&s->mu);
}
