/*
 * metrics_http — renders GET /metrics.  Layer: server.  See metrics_http.h.
 * Tests: tests/unit/server/test_metrics_http.c, tests/e2e/test_metrics.py.
 */
#include "server/metrics_http.h"

#include <string.h>

#include "base/err.h"

#define MH_NS "ddbchat_"

static void mh_le_seconds(buf_t *b, uint64_t us)
{
    met_prom_double(b, (double)us / 1e6);
}

static void mh_requests(const http_metrics_in *in, buf_t *b)
{
    int nops = api_op_count();
    if (nops > MET_MAX_OPS - 1)
        nops = MET_MAX_OPS - 1;
    met_op_totals *tot = calloc(MET_MAX_OPS, sizeof *tot);
    if (!tot)
        return;
    for (int i = 0; i < nops; i++)
        met_read_op(in->met, i, &tot[i]);
    met_read_op(in->met, MET_OP_OTHER, &tot[MET_OP_OTHER]);
#define MH_NAME(i) ((i) == MET_OP_OTHER ? "unknown" : api_op_name(i))
#define MH_EACH_OP(i)                                                                              \
    for (int i = 0; i < MET_MAX_OPS; i++)                                                          \
        if ((i < nops || i == MET_OP_OTHER) && tot[i].requests)

    met_prom_header(b, MH_NS "requests_total", "counter",
                    "DynamoDB API requests answered, by operation.");
    MH_EACH_OP(i) {
        buf_printf(b, MH_NS "requests_total{operation=\"%s\"} ", MH_NAME(i));
        met_prom_u64(b, tot[i].requests);
        buf_putc(b, '\n');
    }
    met_prom_header(b, MH_NS "request_errors_total", "counter",
                    "DynamoDB API requests answered with an error, by operation and error type.");
    MH_EACH_OP(i) {
        for (int j = 0; j < MET_ERR_SLOTS; j++) {
            if (!tot[i].errors[j])
                continue;
            const char *type = j == MET_ERR_SLOTS - 1 ? "Other" : err_type(-(j + 1));
            buf_printf(b, MH_NS "request_errors_total{operation=\"%s\",error=\"", MH_NAME(i));
            met_prom_escape(b, type);
            buf_printf(b, "\"} ");
            met_prom_u64(b, tot[i].errors[j]);
            buf_putc(b, '\n');
        }
    }
    met_prom_header(b, MH_NS "request_duration_seconds", "histogram",
                    "Time from a request's arrival to its reply, by operation.");
    MH_EACH_OP(i) {
        uint64_t cum = 0;
        for (int j = 0; j < MET_LAT_BUCKETS; j++) {
            cum += tot[i].lat[j];
            buf_printf(b, MH_NS "request_duration_seconds_bucket{operation=\"%s\",le=\"",
                       MH_NAME(i));
            if (j == MET_LAT_BUCKETS - 1)
                buf_printf(b, "+Inf");
            else
                mh_le_seconds(b, met_lat_bounds_us[j]);
            buf_printf(b, "\"} ");
            met_prom_u64(b, cum);
            buf_putc(b, '\n');
        }
        buf_printf(b, MH_NS "request_duration_seconds_sum{operation=\"%s\"} ", MH_NAME(i));
        mh_le_seconds(b, tot[i].lat_sum_us);
        buf_printf(b, "\n" MH_NS "request_duration_seconds_count{operation=\"%s\"} ", MH_NAME(i));
        met_prom_u64(b, tot[i].requests);
        buf_putc(b, '\n');
    }
#undef MH_EACH_OP
#undef MH_NAME
    free(tot);
}

/* Capacity by table label: slots of the same name (namespaces, a dropped and re-created
 * table) are summed so every label set appears once. */
typedef struct mh_cap {
    char name[MET_NAME_MAX];
    uint64_t r, w;
} mh_cap;

typedef struct mh_caps {
    mh_cap *v;
    size_t n;
} mh_caps;

static void mh_cap_add(void *ctx, const char *name, uint64_t r, uint64_t w)
{
    mh_caps *c = ctx;
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->v[i].name, name) == 0) {
            c->v[i].r += r;
            c->v[i].w += w;
            return;
        }
    }
    if (c->n >= MET_MAX_TABLES)
        return;
    snprintf(c->v[c->n].name, MET_NAME_MAX, "%s", name);
    c->v[c->n].r = r;
    c->v[c->n].w = w;
    c->n++;
}

static void mh_capacity(const http_metrics_in *in, buf_t *b)
{
    mh_caps c = {.v = calloc(MET_MAX_TABLES, sizeof(mh_cap))};
    if (!c.v)
        return;
    met_read_tables(in->met, mh_cap_add, &c);
    met_prom_header(b, MH_NS "consumed_capacity_units_total", "counter",
                    "Capacity units consumed by successful requests, by table (table units).");
    for (size_t i = 0; i < c.n; i++) {
        for (int k = 0; k < 2; k++) {
            uint64_t h = k ? c.v[i].w : c.v[i].r;
            buf_printf(b, MH_NS "consumed_capacity_units_total{table=\"");
            met_prom_escape(b, c.v[i].name);
            buf_printf(b, "\",kind=\"%s\"} ", k ? "write" : "read");
            met_prom_double(b, (double)h / 2.0);
            buf_putc(b, '\n');
        }
    }
    free(c.v);
}

int http_metrics_render(const http_metrics_in *in, buf_t *b)
{
    if (in->met) {
        mh_requests(in, b);
        mh_capacity(in, b);
    }
    if (in->api)
        api_metrics_render_store(in->api, b);
    met_prom_header(b, MH_NS "http_connections", "gauge", "Open HTTP connections, by listener.");
    buf_printf(b, MH_NS "http_connections{listener=\"dynamodb\"} %lu\n", in->conns_ddb);
    buf_printf(b, MH_NS "http_connections{listener=\"rest\"} %lu\n", in->conns_rest);
    met_prom_header(b, MH_NS "http_requests_in_flight", "gauge",
                    "Requests received and not yet completed (this scrape included).");
    buf_printf(b, MH_NS "http_requests_in_flight %ld\n", in->in_flight);
    met_run_collectors(in->met, b);
    return buf_putc(b, '\0') ? ERR_NOMEM : 0;
}
