/*
 * bench_partiql — what a PartiQL SELECT by key costs next to the equivalent GetItem.
 *
 *   bench_partiql --url http://127.0.0.1:8000 --pid PID [--threads 4] [--seconds 3]
 *                 [--rounds 5]
 *       drives the endpoint over keep-alive connections, alternating runs of GetItem,
 *       ExecuteStatement "SELECT * FROM bench_pq WHERE pk = ?" (Parameters) and
 *       ExecuteStatement "SELECT * FROM bench_pq WHERE pk = 'k<n>'" (a literal: a new
 *       statement text each time), and reports the server's CPU time per request (utime +
 *       stime of PID from /proc) for each: the medians over the rounds and their ratios.
 *   bench_partiql --inproc [--iterations 200000] [--only 0|1|2]
 *       the same three requests through api_call on an embedded store in a temporary dir,
 *       one thread, JSON parsed and the answer serialised as the endpoint does: CPU ns per
 *       request without HTTP.
 *
 * The table bench_pq (pk S) holds k0..k999 with a 32-byte string and a number each.
 * Results: BENCHMARKS.md, section "PartiQL".
 */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "store/store.h"

#define BP_OPS 3
#define BP_MAX_ROUNDS 50

static const char *const bp_names[BP_OPS] = {"GetItem", "SELECT pk = ?", "SELECT pk = 'lit'"};

static const char *g_url = "http://127.0.0.1:8000";
static int g_threads = 4;
static double g_seconds = 3;
static int g_op;
static atomic_long g_done, g_errors;
static atomic_int g_stop;

/* The request body of op for key k (into buf). */
static const char *bp_body(int op, int k, char *buf, size_t cap)
{
    if (op == 0)
        snprintf(buf, cap, "{\"TableName\":\"bench_pq\",\"Key\":{\"pk\":{\"S\":\"k%d\"}}}", k);
    else if (op == 1)
        snprintf(buf, cap,
                 "{\"Statement\":\"SELECT * FROM bench_pq WHERE pk = ?\","
                 "\"Parameters\":[{\"S\":\"k%d\"}]}",
                 k);
    else
        snprintf(buf, cap, "{\"Statement\":\"SELECT * FROM bench_pq WHERE pk = 'k%d'\"}", k);
    return buf;
}

static const char *bp_target(int op)
{
    return op == 0 ? "GetItem" : "ExecuteStatement";
}

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return s * n;
}

static long post(CURL *h, const char *op, const char *body)
{
    char target[128];
    snprintf(target, sizeof target, "X-Amz-Target: DynamoDB_20120810.%s", op);
    struct curl_slist *hd = NULL;
    hd = curl_slist_append(hd, "Content-Type: application/x-amz-json-1.0");
    hd = curl_slist_append(hd, target);
    hd = curl_slist_append(hd, "Authorization: AWS4-HMAC-SHA256 Credential=bench/20260101/"
                               "us-east-1/dynamodb/aws4_request, SignedHeaders=host, "
                               "Signature=0");
    hd = curl_slist_append(hd, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, g_url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hd);
    return status;
}

static void *worker(void *arg)
{
    long id = (long)arg;
    CURL *h = curl_easy_init();
    char body[256];
    unsigned seed = (unsigned)id * 7919u + 1;
    while (!atomic_load(&g_stop)) {
        int k = (int)(rand_r(&seed) % 1000);
        if (post(h, bp_target(g_op), bp_body(g_op, k, body, sizeof body)) == 200)
            atomic_fetch_add(&g_done, 1);
        else
            atomic_fetch_add(&g_errors, 1);
    }
    curl_easy_cleanup(h);
    return NULL;
}

static double cpu_seconds(int pid)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double now(int clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One timed run of op against the endpoint: server CPU us per request (or -1). */
static double http_run(int op, int pid, double *rps)
{
    g_op = op;
    atomic_store(&g_done, 0);
    atomic_store(&g_errors, 0);
    atomic_store(&g_stop, 0);
    pthread_t th[256];
    double cpu0 = cpu_seconds(pid), t0 = now(CLOCK_MONOTONIC);
    for (long i = 0; i < g_threads; i++)
        pthread_create(&th[i], NULL, worker, (void *)i);
    struct timespec ts = {(time_t)g_seconds, (long)((g_seconds - (double)(time_t)g_seconds) * 1e9)};
    nanosleep(&ts, NULL);
    atomic_store(&g_stop, 1);
    for (int i = 0; i < g_threads; i++)
        pthread_join(th[i], NULL);
    double t1 = now(CLOCK_MONOTONIC), cpu1 = cpu_seconds(pid);
    long done = atomic_load(&g_done);
    *rps = (double)done / (t1 - t0);
    if (atomic_load(&g_errors))
        fprintf(stderr, "bench_partiql: %ld errors in %s\n", atomic_load(&g_errors), bp_names[op]);
    return done && cpu0 >= 0 && cpu1 >= 0 ? (cpu1 - cpu0) * 1e6 / (double)done : -1;
}

static int http_main(int pid, int rounds)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *h = curl_easy_init();
    post(h, "CreateTable",
         "{\"TableName\":\"bench_pq\",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":"
         "\"HASH\"}],\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":"
         "\"S\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}");
    char body[256];
    for (int k = 0; k < 1000; k++) {
        snprintf(body, sizeof body,
                 "{\"TableName\":\"bench_pq\",\"Item\":{\"pk\":{\"S\":\"k%d\"},\"v\":{\"S\":"
                 "\"0123456789abcdef0123456789abcdef\"},\"n\":{\"N\":\"%d\"}}}",
                 k, k);
        if (post(h, "PutItem", body) != 200) {
            fprintf(stderr, "bench_partiql: seeding failed at %s\n", g_url);
            return 1;
        }
    }
    for (int op = 0; op < BP_OPS; op++) /* check each request works */
        if (post(h, bp_target(op), bp_body(op, 1, body, sizeof body)) != 200) {
            fprintf(stderr, "bench_partiql: %s fails at %s\n", bp_names[op], g_url);
            return 1;
        }
    curl_easy_cleanup(h);
    double cpu[BP_OPS][BP_MAX_ROUNDS], rps[BP_OPS][BP_MAX_ROUNDS];
    for (int r = 0; r < rounds; r++)
        for (int op = 0; op < BP_OPS; op++) {
            cpu[op][r] = http_run(op, pid, &rps[op][r]);
            printf("round %d %-18s req/s=%7.0f server_cpu_us/req=%.1f\n", r + 1, bp_names[op],
                   rps[op][r], cpu[op][r]);
            fflush(stdout);
        }
    double m[BP_OPS];
    for (int op = 0; op < BP_OPS; op++) {
        m[op] = median(cpu[op], rounds);
        printf("median %-17s server_cpu_us/req=%.1f req/s=%.0f ratio_to_GetItem=%.2f\n",
               bp_names[op], m[op], median(rps[op], rounds), m[op] / m[0]);
    }
    curl_global_cleanup();
    return 0;
}

/* ---- in process ------------------------------------------------------------------------ */

static int inproc_call(api_t *api, const char *op, const char *body)
{
    json_t *req = json_loads(body, 0, NULL);
    json_t *resp = NULL;
    err_t e;
    err_clear(&e);
    int rc = api_call(api, op, req, NULL, &resp, &e);
    char *out = resp ? json_dumps(resp, JSON_COMPACT) : NULL;
    free(out);
    json_decref(resp);
    json_decref(req);
    if (rc)
        fprintf(stderr, "bench_partiql: %s: %s\n", op, e.msg);
    return rc;
}

static int inproc_main(long iters, int only)
{
    char dir[] = "/tmp/bench_partiql_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    store_t *s = NULL;
    api_t *api = NULL;
    err_t e;
    err_clear(&e);
    if (store_open(dir, &o, &s, &e) || api_new(s, NULL, &api, &e)) {
        fprintf(stderr, "bench_partiql: %s\n", e.msg);
        return 1;
    }
    inproc_call(api, "CreateTable",
                "{\"TableName\":\"bench_pq\",\"KeySchema\":[{\"AttributeName\":\"pk\","
                "\"KeyType\":\"HASH\"}],\"AttributeDefinitions\":[{\"AttributeName\":\"pk\","
                "\"AttributeType\":\"S\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}");
    char body[256];
    for (int k = 0; k < 1000; k++) {
        snprintf(body, sizeof body,
                 "{\"TableName\":\"bench_pq\",\"Item\":{\"pk\":{\"S\":\"k%d\"},\"v\":{\"S\":"
                 "\"0123456789abcdef0123456789abcdef\"},\"n\":{\"N\":\"%d\"}}}",
                 k, k);
        if (inproc_call(api, "PutItem", body))
            return 1;
    }
    double ns[BP_OPS][5] = {{0}};
    for (int r = 0; r < 5; r++)
        for (int op = 0; op < BP_OPS; op++) {
            if (only >= 0 && op != only)
                continue;
            double c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            for (long i = 0; i < iters; i++)
                if (inproc_call(api, bp_target(op), bp_body(op, (int)(i % 1000), body, sizeof body)))
                    return 1;
            ns[op][r] = (now(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e9 / (double)iters;
        }
    double g = median(ns[0], 5);
    for (int op = 0; op < BP_OPS; op++) {
        if (only >= 0 && op != only)
            continue;
        double m = median(ns[op], 5);
        printf("inproc %-18s cpu_ns/req=%.0f ratio_to_GetItem=%.2f\n", bp_names[op], m, m / g);
    }
    api_free(api);
    store_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_partiql: could not remove %s\n", dir);
    return 0;
}

int main(int argc, char **argv)
{
    int pid = 0, rounds = 5, only = -1;
    long iters = 200000;
    bool inproc = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--inproc")) {
            inproc = true;
            continue;
        }
        if (!v)
            break;
        if (!strcmp(a, "--url"))
            g_url = v;
        else if (!strcmp(a, "--threads"))
            g_threads = (int)strtol(v, NULL, 10);
        else if (!strcmp(a, "--seconds"))
            g_seconds = strtod(v, NULL);
        else if (!strcmp(a, "--pid"))
            pid = (int)strtol(v, NULL, 10);
        else if (!strcmp(a, "--rounds"))
            rounds = (int)strtol(v, NULL, 10);
        else if (!strcmp(a, "--iterations"))
            iters = strtol(v, NULL, 10);
        else if (!strcmp(a, "--only"))
            only = (int)strtol(v, NULL, 10);
        i++;
    }
    if (g_threads < 1 || g_threads > 256)
        g_threads = 4;
    if (rounds < 1 || rounds > BP_MAX_ROUNDS)
        rounds = 5;
    if (iters < 1)
        iters = 200000;
    if (inproc)
        return inproc_main(iters, only);
    if (!pid) {
        fprintf(stderr, "usage: bench_partiql --url URL --pid SERVER_PID [--threads T] "
                        "[--seconds S] [--rounds R] | --inproc [--iterations N]\n");
        return 2;
    }
    return http_main(pid, rounds);
}
