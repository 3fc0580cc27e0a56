/*
 * bench_http — drives a DynamoDB-compatible endpoint with GetItem / PutItem over keep-alive
 * connections from T threads and reports requests/s and, when the server's pid is given,
 * the server's CPU time per request (from /proc/<pid>/stat: utime + stime).
 *
 *   bench_http --url http://127.0.0.1:8000 --op GetItem --threads 4 --seconds 5 --pid PID
 *
 * The table "bench" (pk S HASH) is created if needed and item pk=k0..k999 are put first.
 * Used by bench/run_http.sh to compare ddbchat and DynamoDB Local side by side in one run.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *g_url = "http://127.0.0.1:8000";
static const char *g_op = "GetItem";
static int g_threads = 4;
static double g_seconds = 5;
static atomic_long g_done;
static atomic_long g_errors;
static atomic_int g_stop;

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
    long i = 0;
    while (!atomic_load(&g_stop)) {
        int k = (int)(rand_r(&seed) % 1000);
        if (strcmp(g_op, "PutItem") == 0)
            snprintf(body, sizeof body,
                     "{\"TableName\":\"bench\",\"Item\":{\"pk\":{\"S\":\"w%ld-%ld\"},"
                     "\"v\":{\"S\":\"0123456789abcdef0123456789abcdef\"}}}",
                     id, i++);
        else
            snprintf(body, sizeof body,
                     "{\"TableName\":\"bench\",\"Key\":{\"pk\":{\"S\":\"k%d\"}}}", k);
        if (post(h, g_op, body) == 200)
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
    if (!p)
        return -1;
    unsigned long ut = 0, st = 0;
    /* fields after ')': state(3) ... utime(14) stime(15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int pid = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--url"))
            g_url = argv[i + 1];
        else if (!strcmp(argv[i], "--op"))
            g_op = argv[i + 1];
        else if (!strcmp(argv[i], "--threads"))
            g_threads = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--seconds"))
            g_seconds = strtod(argv[i + 1], NULL);
        else if (!strcmp(argv[i], "--pid"))
            pid = (int)strtol(argv[i + 1], NULL, 10);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *h = curl_easy_init();
    post(h, "CreateTable",
         "{\"TableName\":\"bench\",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":"
         "\"HASH\"}],\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":"
         "\"S\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}");
    char body[256];
    for (int k = 0; k < 1000; k++) {
        snprintf(body, sizeof body,
                 "{\"TableName\":\"bench\",\"Item\":{\"pk\":{\"S\":\"k%d\"},\"v\":{\"S\":"
                 "\"0123456789abcdef0123456789abcdef\"},\"n\":{\"N\":\"%d\"}}}",
                 k, k);
        if (post(h, "PutItem", body) != 200) {
            fprintf(stderr, "bench_http: seeding failed at %s\n", g_url);
            return 1;
        }
    }
    curl_easy_cleanup(h);

    pthread_t th[256];
    if (g_threads < 1 || g_threads > 256)
        g_threads = 4;
    double cpu0 = pid ? cpu_seconds(pid) : -1, t0 = now();
    for (long i = 0; i < g_threads; i++)
        pthread_create(&th[i], NULL, worker, (void *)i);
    struct timespec ts = {(time_t)g_seconds,
                          (long)((g_seconds - (double)(time_t)g_seconds) * 1e9)};
    nanosleep(&ts, NULL);
    atomic_store(&g_stop, 1);
    for (int i = 0; i < g_threads; i++)
        pthread_join(th[i], NULL);
    double t1 = now(), cpu1 = pid ? cpu_seconds(pid) : -1;
    long done = atomic_load(&g_done);
    printf("%s threads=%d requests=%ld errors=%ld req/s=%.0f", g_op, g_threads, done,
           atomic_load(&g_errors), (double)done / (t1 - t0));
    if (pid && cpu0 >= 0 && cpu1 >= 0 && done)
        printf(" server_cpu_us/req=%.1f", (cpu1 - cpu0) * 1e6 / (double)done);
    printf("\n");
    curl_global_cleanup();
    return 0;
}
