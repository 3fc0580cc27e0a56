/*
 * test_http_pool — the blocking-request pool (http_pool.c) and its use by the listeners:
 * jobs that block run side by side on threads started on demand (up to the limit, the rest
 * wait); freeing runs what is queued; and through http.c with ONE polling thread,
 * concurrent durable PutItems all complete and share group commits (each one waited in the
 * pool, not in the polling thread) while a GetItem is still answered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "server/http.h"
#include "server/http_pool.h"

#define NJOBS 8

typedef struct blocker {
    http_pool_job job;
    pthread_mutex_t *mu;
    pthread_cond_t *cv;
    int *running, *max_running, *done, *release;
    int order, *log, *nlog;
} blocker;

/* Counts itself running, waits until released, records its completion order. */
static void blocker_run(http_pool_job *job)
{
    blocker *b = (blocker *)job;
    pthread_mutex_lock(b->mu);
    (*b->running)++;
    if (*b->running > *b->max_running)
        *b->max_running = *b->running;
    pthread_cond_broadcast(b->cv);
    while (!*b->release)
        pthread_cond_wait(b->cv, b->mu);
    (*b->running)--;
    b->log[(*b->nlog)++] = b->order;
    (*b->done)++;
    pthread_cond_broadcast(b->cv);
    pthread_mutex_unlock(b->mu);
}

typedef struct scene {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int running, max_running, done, release, log[NJOBS], nlog;
    blocker b[NJOBS];
} scene;

static void scene_init(scene *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    for (int i = 0; i < NJOBS; i++)
        s->b[i] = (blocker){.job.run = blocker_run, .mu = &s->mu, .cv = &s->cv,
                            .running = &s->running, .max_running = &s->max_running,
                            .done = &s->done, .release = &s->release, .order = i,
                            .log = s->log, .nlog = &s->nlog};
}

/* Waits (bounded) until `running` reaches n; returns what it reached. */
static int wait_running(scene *s, int n)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&s->mu);
    while (s->running < n && pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0)
        ;
    int r = s->running;
    pthread_mutex_unlock(&s->mu);
    return r;
}

/* Every blocking job gets its own thread, started on demand. */
static void test_blocking_jobs_run_side_by_side(void **state)
{
    (void)state;
    scene s;
    scene_init(&s);
    http_pool *p;
    assert_int_equal(http_pool_new(64, &p), 0);
    assert_int_equal(http_pool_threads(p), 0); /* nothing started before the first job */
    for (int i = 0; i < NJOBS; i++) {
        assert_int_equal(http_pool_reserve(p), 0);
        http_pool_submit(p, &s.b[i].job);
    }
    assert_int_equal(wait_running(&s, NJOBS), NJOBS);
    assert_int_equal(http_pool_threads(p), NJOBS);
    pthread_mutex_lock(&s.mu);
    s.release = 1;
    pthread_cond_broadcast(&s.cv);
    pthread_mutex_unlock(&s.mu);
    http_pool_free(p);
    assert_int_equal(s.done, NJOBS);
}

/* At the limit the rest wait, and freeing the pool runs them all. */
static void test_limit_and_order(void **state)
{
    (void)state;
    scene s;
    scene_init(&s);
    http_pool *p;
    assert_int_equal(http_pool_new(2, &p), 0);
    for (int i = 0; i < NJOBS; i++) {
        assert_int_equal(http_pool_reserve(p), 0);
        http_pool_submit(p, &s.b[i].job);
    }
    assert_int_equal(wait_running(&s, 2), 2);
    usleep(20000);
    pthread_mutex_lock(&s.mu);
    assert_int_equal(s.running, 2); /* no third thread */
    s.release = 1;
    pthread_cond_broadcast(&s.cv);
    pthread_mutex_unlock(&s.mu);
    http_pool_free(p);
    assert_int_equal(s.done, NJOBS);
    assert_int_equal(s.max_running, 2);
}

/* ---- through the listener ------------------------------------------------------------ */

#define NPUTS 32

typedef struct put_arg {
    int port, i;
    long status;
} put_arg;

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return sz * n;
}

static long post(int port, const char *target, const char *body)
{
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    char url[64], t[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    snprintf(t, sizeof t, "X-Amz-Target: DynamoDB_20120810.%s", target);
    struct curl_slist *hd = curl_slist_append(NULL, t);
    hd = curl_slist_append(hd, "Content-Type: application/x-amz-json-1.0");
    hd = curl_slist_append(hd, "Authorization: AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/"
                               "dynamodb/aws4_request, SignedHeaders=host, Signature=00");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    long status = -1;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    return status;
}

static void *put_main(void *arg)
{
    put_arg *a = arg;
    char body[160];
    snprintf(body, sizeof body, "{\"TableName\":\"tbl\",\"Item\":{\"pk\":{\"S\":\"k%d\"},"
                                "\"v\":{\"S\":\"value\"}}}", a->i);
    a->status = post(a->port, "PutItem", body);
    return NULL;
}

static void test_writes_wait_off_the_polling_thread(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_http_poolXXXXXX";
    assert_non_null(mkdtemp(dir));
    store_opts so;
    store_opts_default(&so);
    so.durable = true; /* every round syncs: writes wait long enough to pile up */
    so.ttl_thread = false;
    store_t *st;
    api_t *api;
    err_t e = {0};
    assert_int_equal(store_open(dir, &so, &st, &e), 0);
    assert_int_equal(api_new(st, NULL, &api, &e), 0);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    http_config c;
    http_config_default(&c);
    c.dynamodb_port = 0;
    c.api_port = -1;
    c.quiet = true;
    c.threads = 1; /* one polling thread for every connection */
    http_server *srv;
    assert_int_equal(http_server_start(&c, api, NULL, NULL, &srv, &e), 0);
    int port = http_server_dynamodb_port(srv);
    assert_int_equal(post(port, "CreateTable",
                          "{\"TableName\":\"tbl\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\","
                          "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\","
                          "\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}"),
                     200);
    store_commit_stats a, b;
    store_commit_stats_get(st, &a);
    pthread_t th[NPUTS];
    put_arg args[NPUTS];
    for (int i = 0; i < NPUTS; i++) {
        args[i] = (put_arg){.port = port, .i = i};
        assert_int_equal(pthread_create(&th[i], NULL, put_main, &args[i]), 0);
    }
    /* a read while the writes are in flight is answered by the polling thread */
    assert_int_equal(post(port, "GetItem", "{\"TableName\":\"tbl\",\"Key\":{\"pk\":{\"S\":\"k0\"}}}"),
                     200);
    for (int i = 0; i < NPUTS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].status, 200);
    }
    store_commit_stats_get(st, &b);
    assert_int_equal(b.writes - a.writes, NPUTS);
    /* with the writes waiting in the polling thread, each round would carry one */
    assert_true(b.rounds - a.rounds < NPUTS);
    http_server_stop(srv);
    api_free(api);
    store_close(st);
    curl_global_cleanup();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocking_jobs_run_side_by_side),
        cmocka_unit_test(test_limit_and_order),
        cmocka_unit_test(test_writes_wait_off_the_polling_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
