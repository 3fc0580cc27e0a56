/*
 * bench_expr — expression throughput: parse+resolve+evaluate of a typical condition, the
 * same with a cached parse, and parse+resolve+apply of a typical update.  Prints operations
 * per second (one thread, one arena reset per operation, as a request would).
 *
 * usage: bench_expr [iterations]   (default 200000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expr/expr.h"
#include "value/av.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static av_kv kv(const char *name, av_t v)
{
    av_kv k = {.name = name, .name_len = strlen(name), .val = v};
    return k;
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
    if (iters <= 0)
        iters = 200000;
    /* item: {pk, status, cnt, tags (SS), profile: {nick, age}} */
    static av_t tags[3];
    tags[0] = av_make_s("a", 1);
    tags[1] = av_make_s("b", 1);
    tags[2] = av_make_s("c", 1);
    static av_kv prof[2];
    prof[0] = kv("nick", av_make_s("alice", 5));
    prof[1] = kv("yrs", av_make_n_canonical("31", 2));
    static av_kv it[5];
    it[0] = kv("pk", av_make_s("user#1", 6));
    it[1] = kv("status", av_make_s("active", 6));
    it[2] = kv("cnt", av_make_n_canonical("41", 2));
    it[3] = kv("tags", av_make_list(AV_SS, tags, 3));
    it[4] = kv("profile", av_make_m(prof, 2));
    av_t item = av_make_m(it, 5);
    static av_kv nk[1];
    nk[0] = kv("#s", av_make_s("status", 6));
    av_t names = av_make_m(nk, 1);
    static av_kv vk[4];
    vk[0] = kv(":a", av_make_s("active", 6));
    vk[1] = kv(":lim", av_make_n_canonical("100", 3));
    vk[2] = kv(":t", av_make_s("b", 1));
    vk[3] = kv(":one", av_make_n_canonical("1", 1));

    const char *cond = "#s = :a AND cnt < :lim AND contains(tags, :t) AND "
                       "attribute_exists(profile.nick)";
    const char *upd = "SET cnt = cnt + :one, profile.yrs = :lim REMOVE tags";
    const char *keys[] = {"pk"};

    arena_t a;
    arena_init(&a);
    err_t e;
    long trues = 0;

    /* condition: parse + resolve + eval */
    double t0 = now();
    for (long i = 0; i < iters; i++) {
        expr_env env;
        expr_t *p, *x;
        bool r;
        err_clear(&e);
        av_t v3 = av_make_m(vk, 3);
        if (expr_env_init(&env, &a, &names, &v3, &e) ||
            expr_parse(&a, EXPR_CONDITION, cond, strlen(cond), &p, &e) ||
            expr_resolve(&a, p, &env, &x, &e) || expr_env_check_unused(&env, &e) ||
            expr_eval(x, &item, &r, &e)) {
            fprintf(stderr, "condition failed: %s\n", e.msg);
            return 1;
        }
        trues += r;
        arena_reset(&a);
    }
    double t1 = now();
    printf("condition parse+resolve+eval: %10.0f ops/s  (%.2f us/op)\n", iters / (t1 - t0),
           (t1 - t0) * 1e6 / iters);

    /* condition: cached parse, resolve + eval per request */
    arena_t cache;
    arena_init(&cache);
    expr_t *cached;
    err_clear(&e);
    if (expr_parse(&cache, EXPR_CONDITION, cond, strlen(cond), &cached, &e)) {
        fprintf(stderr, "parse failed: %s\n", e.msg);
        return 1;
    }
    t0 = now();
    for (long i = 0; i < iters; i++) {
        expr_env env;
        expr_t *x;
        bool r;
        av_t v3 = av_make_m(vk, 3);
        if (expr_env_init(&env, &a, &names, &v3, &e) || expr_resolve(&a, cached, &env, &x, &e) ||
            expr_eval(x, &item, &r, &e)) {
            fprintf(stderr, "cached condition failed: %s\n", e.msg);
            return 1;
        }
        trues += r;
        arena_reset(&a);
    }
    t1 = now();
    printf("condition cached parse, resolve+eval: %10.0f ops/s  (%.2f us/op)\n", iters / (t1 - t0),
           (t1 - t0) * 1e6 / iters);

    /* condition through expr_cache (what a server would do) */
    expr_cache *ec = expr_cache_new(64);
    t0 = now();
    for (long i = 0; i < iters; i++) {
        expr_env env;
        expr_t *x;
        bool r;
        av_t v3 = av_make_m(vk, 3);
        if (expr_env_init(&env, &a, &names, &v3, &e) ||
            expr_cache_resolve(ec, &a, EXPR_CONDITION, cond, strlen(cond), &env, &x, &e) ||
            expr_eval(x, &item, &r, &e)) {
            fprintf(stderr, "expr_cache condition failed: %s\n", e.msg);
            return 1;
        }
        trues += r;
        arena_reset(&a);
    }
    t1 = now();
    printf("condition via expr_cache, resolve+eval: %10.0f ops/s  (%.2f us/op)\n",
           iters / (t1 - t0), (t1 - t0) * 1e6 / iters);
    expr_cache_free(ec);

    /* update: parse + resolve + apply */
    t0 = now();
    for (long i = 0; i < iters; i++) {
        expr_env env;
        expr_t *p, *x, *updated;
        av_t out;
        av_kv two[2] = {vk[1], vk[3]};
        av_t v2 = av_make_m(two, 2);
        err_clear(&e);
        if (expr_env_init(&env, &a, NULL, &v2, &e) ||
            expr_parse(&a, EXPR_UPDATE, upd, strlen(upd), &p, &e) ||
            expr_resolve(&a, p, &env, &x, &e) || expr_env_check_unused(&env, &e) ||
            expr_update_apply(&a, x, &item, keys, 1, &out, &updated, &e)) {
            fprintf(stderr, "update failed: %s\n", e.msg);
            return 1;
        }
        arena_reset(&a);
    }
    t1 = now();
    printf("update parse+resolve+apply:   %10.0f ops/s  (%.2f us/op)\n", iters / (t1 - t0),
           (t1 - t0) * 1e6 / iters);
    printf("(conditions true: %ld of %ld)\n", trues, 3 * iters);
    arena_fini(&cache);
    arena_fini(&a);
    return 0;
}
