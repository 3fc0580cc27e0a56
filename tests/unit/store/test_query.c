/*
 * test_query — Query and Scan pages.  Module: src/store/query.c.
 *
 * Range conditions at their edges against a brute-force oracle (av_compare_scalar), forward
 * and reverse; begins_with on S and on B with 0x00/0xFF bytes; pagination on tables and on
 * an index with ties on the index sort key (every page size gives the same concatenation);
 * the 1 MB page rule; Scan segments; ExclusiveStartKey validation texts (DynamoDB Local);
 * multi-attribute GSI keys (sparse membership, equality prefixes + a condition on the next
 * sort attribute against a brute-force oracle, paging, reopen, refused on tables and LSIs).
 */
#include "st_test.h"

static av_t *mk_item(arena_t *a, const char *pk, av_t sk, const char *extra_name, av_t extra)
{
    av_kv *kv = arena_zalloc(a, sizeof *kv * 3);
    kv[0] = (av_kv){"pk", 2, av_make_s(pk, strlen(pk))};
    kv[1] = (av_kv){"sk", 2, sk};
    size_t n = 2;
    if (extra_name)
        kv[n++] = (av_kv){extra_name, strlen(extra_name), extra};
    av_t *m = arena_alloc(a, sizeof *m);
    *m = av_make_m(kv, n);
    return m;
}

static bool pred(store_rop op, const av_t *v, const av_t *r1, const av_t *r2)
{
    switch (op) {
    case STORE_R_NONE:
        return true;
    case STORE_R_EQ:
        return av_compare_scalar(v, r1) == 0;
    case STORE_R_LT:
        return av_compare_scalar(v, r1) < 0;
    case STORE_R_LE:
        return av_compare_scalar(v, r1) <= 0;
    case STORE_R_GT:
        return av_compare_scalar(v, r1) > 0;
    case STORE_R_GE:
        return av_compare_scalar(v, r1) >= 0;
    case STORE_R_BETWEEN:
        return av_compare_scalar(v, r1) >= 0 && av_compare_scalar(v, r2) <= 0;
    case STORE_R_BEGINS_WITH:
        return v->u.str.len >= r1->u.str.len &&
               memcmp(v->u.str.ptr, r1->u.str.ptr, r1->u.str.len) == 0;
    }
    return false;
}

static int cmp_av(const void *a, const void *b)
{
    return av_compare_scalar(a, b);
}

/* puts vals under pk "h" (plus decoys under "g" and "i"), then checks every op x bound */
static void check_ops(st_fix *f, const store_table *t, av_t *vals, size_t nv, av_t *bounds,
                      size_t nb, bool prefix_ops_only, bool do_put)
{
    for (size_t i = 0; do_put && i < nv; i++) {
        err_t m;
        assert_int_equal(st_put(f->s, t, mk_item(&f->a, "h", vals[i], NULL, vals[i]), &f->a, &m),
                         0);
        assert_int_equal(st_put(f->s, t, mk_item(&f->a, "g", vals[i], NULL, vals[i]), &f->a, &m),
                         0);
        assert_int_equal(st_put(f->s, t, mk_item(&f->a, "i", vals[i], NULL, vals[i]), &f->a, &m),
                         0);
    }
    qsort(vals, nv, sizeof *vals, cmp_av);
    store_rop ops[] = {STORE_R_NONE, STORE_R_EQ, STORE_R_LT,      STORE_R_LE,
                       STORE_R_GT,   STORE_R_GE, STORE_R_BETWEEN, STORE_R_BEGINS_WITH};
    av_t h = av_make_s("h", 1);
    for (size_t oi = 0; oi < sizeof ops / sizeof ops[0]; oi++) {
        if (prefix_ops_only && ops[oi] != STORE_R_BEGINS_WITH && ops[oi] != STORE_R_NONE)
            continue;
        if (!prefix_ops_only && ops[oi] == STORE_R_BEGINS_WITH)
            continue;
        for (size_t b1 = 0; b1 < nb; b1++)
            for (size_t b2 = 0; b2 < (ops[oi] == STORE_R_BETWEEN ? nb : 1); b2++)
                for (int rev = 0; rev < 2; rev++)
                    for (size_t lim = 0; lim < 3; lim++) {
                        store_query q = {.table = t,
                                         .eq = &h, .n_eq = 1,
                                         .rop = ops[oi],
                                         .r1 = bounds[b1],
                                         .r2 = bounds[b2],
                                         .reverse = rev,
                                         .limit = lim};
                        if (ops[oi] == STORE_R_BETWEEN &&
                            av_compare_scalar(&bounds[b1], &bounds[b2]) > 0)
                            continue;
                        av_t *got;
                        size_t n = st_query_all(f->s, q, &f->a, &got);
                        size_t k = 0;
                        for (size_t x = 0; x < nv; x++) {
                            size_t xi = rev ? nv - 1 - x : x;
                            if (!pred(ops[oi], &vals[xi], &bounds[b1], &bounds[b2]))
                                continue;
                            if (k >= n) {
                                fprintf(stderr,
                                        "op %d b1 %zu b2 %zu rev %d lim %zu: missing results (got "
                                        "%zu)\n",
                                        ops[oi], b1, b2, rev, lim, n);
                                fail();
                            }
                            const av_t *sk = av_map_gets(&got[k], "sk");
                            if (!av_equal(sk, &vals[xi]) ||
                                !av_equal(av_map_gets(&got[k], "pk"), &h)) {
                                fprintf(stderr,
                                        "op %d b1 %zu b2 %zu rev %d lim %zu: result %zu wrong\n",
                                        ops[oi], b1, b2, rev, lim, k);
                                fail();
                            }
                            k++;
                        }
                        if (k != n)
                            fprintf(stderr, "op %d b1 %zu b2 %zu rev %d: %zu extra results\n",
                                    ops[oi], b1, b2, rev, n - k);
                        assert_int_equal(k, n);
                    }
    }
}

static void test_range_n(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tn", st_kd("pk", AV_S, "sk", AV_N), NULL, 0);
    const char *vs[] = {"-100", "-10", "-1.5", "-1", "0",   "0.001",
                        "1",    "1.5", "2",    "10", "100", "99999999999"};
    const char *bs[] = {"-1000",  "-100", "-10",  "-1.25", "-1",  "0",
                        "0.0001", "1",    "1.25", "2",     "100", "1E+20"};
    av_t vals[12], bounds[12];
    err_t e;
    for (size_t i = 0; i < 12; i++) {
        assert_int_equal(av_make_n(&f->a, vs[i], strlen(vs[i]), &vals[i], &e), 0);
        assert_int_equal(av_make_n(&f->a, bs[i], strlen(bs[i]), &bounds[i], &e), 0);
    }
    check_ops(f, t, vals, 12, bounds, 12, false, true);
}

static void test_range_s_and_begins_with(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "ts", st_kd("pk", AV_S, "sk", AV_S), NULL, 0);
    const char *vs[] = {"a", "ab", "abc", "abd", "b", "ba", "\xc3\xa9", "\xc3\xa9t\xc3\xa9",
                        "z", "~"};
    const char *bs[] = {"", "a", "ab", "abc", "abz", "b", "c", "\xc3\xa9", "\xc3", "zz", "~"};
    av_t vals[10], bounds[11];
    for (size_t i = 0; i < 10; i++)
        vals[i] = av_make_s(vs[i], strlen(vs[i]));
    for (size_t i = 0; i < 11; i++)
        bounds[i] = av_make_s(bs[i], strlen(bs[i]));
    check_ops(f, t, vals, 10, bounds + 1, 10, false, true);
    check_ops(f, t, vals, 10, bounds, 11, true, false); /* same items, begins_with incl. "" */
}

static void test_range_b_ff(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tb", st_kd("pk", AV_S, "sk", AV_B), NULL, 0);
    static const char *vs[] = {"\x00",     "\x00\xff", "\x00\x00",     "\x01",
                               "\xfe",     "\xfe\xff", "\xfe\xff\xff", "\xff",
                               "\xff\x00", "\xff\xff", "\xff\xff\xff", "\xff\xff\x01"};
    static const size_t vl[] = {1, 2, 2, 1, 1, 2, 3, 1, 2, 2, 3, 3};
    static const char *bs[] = {"\x00", "\x01",     "\xfe",         "\xfe\xff",
                               "\xff", "\xff\xff", "\xff\xff\xff", "\x7f"};
    static const size_t bl[] = {1, 1, 1, 2, 1, 2, 3, 1};
    av_t vals[12], bounds[8];
    for (size_t i = 0; i < 12; i++)
        vals[i] = av_make_b(vs[i], vl[i]);
    for (size_t i = 0; i < 8; i++)
        bounds[i] = av_make_b(bs[i], bl[i]);
    check_ops(f, t, vals, 12, bounds, 8, false, true);
    check_ops(f, t, vals, 12, bounds, 8, true, false);
}

/* pagination: every page size gives the full result, also on an index with ties */
static void test_pagination_ties(void **state)
{
    st_fix *f = *state;
    store_index ix[2] = {st_ix("gsi", true, st_kd("gk", AV_S, "gr", AV_N), STORE_PROJ_KEYS_ONLY),
                         st_ix("gsih", true, st_kd("gk", AV_S, NULL, AV_NONE), STORE_PROJ_ALL)};
    const store_table *t = st_create(f->s, "tp", st_kd("pk", AV_S, "sk", AV_N), ix, 2);
    size_t N = 23;
    for (size_t i = 0; i < N; i++) {
        char txt[160];
        snprintf(txt, sizeof txt,
                 "{\"pk\":{\"S\":\"p%zu\"},\"sk\":{\"N\":\"%zu\"},\"gk\":{\"S\":\"g\"},\"gr\":{"
                 "\"N\":\"%zu\"}}",
                 i % 5, i, i % 3);
        st_put_ok(f->s, t, &f->a, txt);
    }
    st_put_ok(f->s, t, &f->a,
              "{\"pk\":{\"S\":\"x\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"other\"},\"gr\":{\"N\":"
              "\"1\"}}");
    av_t g = av_make_s("g", 1), p0 = av_make_s("p0", 2);
    struct {
        const store_index *ix;
        const av_t *h;
        size_t want;
    } cases[] = {{&t->idx[0], &g, N},
                 {&t->idx[1], &g, N},
                 {NULL, &p0, 5},
                 {NULL, NULL, N + 1},
                 {&t->idx[0], NULL, N + 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int rev = 0; rev < 2; rev++) {
            if (!cases[c].h && rev)
                continue;
            store_query q = {.table = t, .index = cases[c].ix, .eq = cases[c].h, .n_eq = cases[c].h ? 1 : 0, .reverse = rev};
            av_t *full;
            size_t nf = st_query_all(f->s, q, &f->a, &full);
            assert_int_equal(nf, cases[c].want);
            /* index order: gr ascending, ties by table key */
            for (size_t i = 1; cases[c].ix == &t->idx[0] && cases[c].h && i < nf; i++) {
                int d =
                    av_compare_scalar(av_map_gets(&full[i - 1], "gr"), av_map_gets(&full[i], "gr"));
                assert_true(rev ? d >= 0 : d <= 0);
            }
            for (size_t lim = 1; lim <= nf + 1; lim++) {
                q.limit = lim;
                av_t *paged;
                size_t np = st_query_all(f->s, q, &f->a, &paged);
                assert_int_equal(np, nf);
                for (size_t i = 0; i < nf; i++)
                    assert_true(av_equal(&paged[i], &full[i]));
            }
        }
}

/* Limit = remaining count still returns LastEvaluatedKey (DynamoDB Local), Limit > none */
static void test_limit_lek(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tl", st_kd("pk", AV_S, "sk", AV_N), NULL, 0);
    for (int i = 0; i < 5; i++) {
        char txt[96];
        snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"h\"},\"sk\":{\"N\":\"%d\"}}", i);
        st_put_ok(f->s, t, &f->a, txt);
    }
    av_t h = av_make_s("h", 1);
    store_query q = {.table = t, .eq = &h, .n_eq = 1, .limit = 5};
    store_result r;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), 0);
    assert_int_equal(r.n, 5);
    assert_int_equal(r.last_key.type, AV_M);
    assert_item_json(&r.last_key, "{\"pk\":{\"S\":\"h\"},\"sk\":{\"N\":\"4\"}}");
    q.limit = 6;
    assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), 0);
    assert_int_equal(r.n, 5);
    assert_int_equal(r.last_key.type, AV_NONE);
    /* continuing from the last key gives an empty, final page */
    q.start_key = J(&f->a, "{\"pk\":{\"S\":\"h\"},\"sk\":{\"N\":\"4\"}}");
    assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.last_key.type, AV_NONE);
}

/* a page stops after the item that brings it to 1 MB */
static void test_page_bytes(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tm", st_kd("pk", AV_S, "sk", AV_N), NULL, 0);
    size_t big = 100 * 1024;
    char *blob = arena_alloc(&f->a, big);
    memset(blob, 'x', big);
    for (int i = 0; i < 30; i++) {
        char *num = arena_printf(&f->a, "%d", i);
        err_t m;
        assert_int_equal(st_put(f->s, t,
                                mk_item(&f->a, "h", av_make_n_canonical(num, strlen(num)), "d",
                                        av_make_s(blob, big)),
                                &f->a, &m),
                         0);
    }
    av_t h = av_make_s("h", 1);
    store_query q = {.table = t, .eq = &h, .n_eq = 1};
    store_result r;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), 0);
    size_t per = av_item_size(&r.items[0]);
    size_t want = (STORE_PAGE_BYTES + per - 1) / per; /* the item reaching 1 MB is included */
    assert_int_equal(r.n, want);
    assert_true(r.bytes >= STORE_PAGE_BYTES && r.bytes - per < STORE_PAGE_BYTES);
    assert_int_equal(r.last_key.type, AV_M);
    av_t *all;
    assert_int_equal(st_query_all(f->s, q, &f->a, &all), 30);
    /* a scan obeys it too */
    store_query sq = {.table = t, .max_bytes = 300 * 1024};
    assert_int_equal(store_query_run(f->s, &sq, &f->a, &r, &e), 0);
    assert_int_equal(r.n, 3);
}

/* segments: each item in exactly one segment, pages included */
static void test_scan_segments(void **state)
{
    st_fix *f = *state;
    store_index ix[1] = {
        st_ix("gsi", true, st_kd("gk", AV_N, NULL, AV_NONE), STORE_PROJ_KEYS_ONLY)};
    const store_table *t = st_create(f->s, "tg", st_kd("pk", AV_S, "sk", AV_N), ix, 1);
    size_t N = 300;
    for (size_t i = 0; i < N; i++) {
        char txt[128];
        snprintf(txt, sizeof txt,
                 "{\"pk\":{\"S\":\"k%zu\"},\"sk\":{\"N\":\"%zu\"},\"gk\":{\"N\":\"%zu\"}}", i % 97,
                 i, i % 13);
        st_put_ok(f->s, t, &f->a, txt);
    }
    for (int use_ix = 0; use_ix < 2; use_ix++)
        for (uint32_t total = 1; total <= 7; total += 3) {
            unsigned char *seen = calloc(N, 1);
            size_t nonempty = 0;
            for (uint32_t seg = 0; seg < total; seg++) {
                store_query q = {.table = t,
                                 .index = use_ix ? &t->idx[0] : NULL,
                                 .segment = seg,
                                 .total_segments = total,
                                 .limit = 7};
                av_t *items;
                size_t n = st_query_all(f->s, q, &f->a, &items);
                if (n)
                    nonempty++;
                for (size_t i = 0; i < n; i++) {
                    const av_t *sk = av_map_gets(&items[i], "sk");
                    size_t x = 0;
                    for (size_t c = 0; c < sk->u.str.len; c++)
                        x = x * 10 + (size_t)(sk->u.str.ptr[c] - '0');
                    assert_true(x < N);
                    assert_int_equal(seen[x], 0);
                    seen[x] = 1;
                }
            }
            for (size_t i = 0; i < N; i++)
                assert_int_equal(seen[i], 1);
            if (total > 1)
                assert_true(nonempty > 1); /* the split is real */
            free(seen);
        }
}

static void expect_esk(st_fix *f, store_query q, const char *esk, const char *msg)
{
    q.start_key = J(&f->a, esk);
    store_result r;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), ERR_VALIDATION);
    if (strcmp(e.msg, msg))
        fprintf(stderr, "esk %s\n got %s\n want %s\n", esk, e.msg, msg);
    assert_string_equal(e.msg, msg);
}

/* ExclusiveStartKey validation, the service's texts (conformance tier1 query/basic.test.ts,
 * checked against AWS by Dynoxide; a start key outside the key condition: dynalite's tests,
 * run against AWS); DynamoDB Local's in store_text.h */
static void test_esk_validation(void **state)
{
    st_fix *f = *state;
    store_index ix[1] = {st_ix("gsi", true, st_kd("gk", AV_S, "gr", AV_B), STORE_PROJ_KEYS_ONLY)};
    const store_table *t = st_create(f->s, "te", st_kd("pk", AV_S, "sk", AV_N), ix, 1);
    av_t h = av_make_s("h", 1);
    av_t three = av_make_n_canonical("3", 1);
    const char *schema =
        "The provided starting key is invalid: The provided key element does not match the schema";
    store_query q = {.table = t, .eq = &h, .n_eq = 1};
    expect_esk(f, q, "{\"pk\":{\"S\":\"h\"}}", schema);
    expect_esk(f, q, "{\"pk\":{\"S\":\"h\"},\"sk\":{\"N\":\"1\"},\"z\":{\"S\":\"1\"}}", schema);
    expect_esk(f, q, "{\"pk\":{\"S\":\"h\"},\"zz\":{\"N\":\"1\"}}", schema);
    expect_esk(f, q, "{\"pk\":{\"S\":\"h\"},\"sk\":{\"S\":\"1\"}}", schema);
    expect_esk(f, q, "{\"pk\":{\"S\":\"other\"},\"sk\":{\"N\":\"1\"}}", "The provided starting key is outside query boundaries based on provided conditions");
    q.rop = STORE_R_GT;
    q.r1 = three;
    expect_esk(f, q, "{\"pk\":{\"S\":\"h\"},\"sk\":{\"N\":\"1\"}}",
               "The provided starting key does not match the range key predicate");
    /* another partition that meets the sort key condition (dynalite's tests, run on AWS) */
    expect_esk(f, q, "{\"pk\":{\"S\":\"other\"},\"sk\":{\"N\":\"4\"}}",
               "The query can return at most one row and cannot be restarted");
    store_query qi = {.table = t, .index = &t->idx[0], .eq = &h, .n_eq = 1};
    expect_esk(f, qi, "{\"pk\":{\"S\":\"h\"},\"sk\":{\"N\":\"1\"}}",
               "The provided starting key is invalid");
    /* an index key attribute missing, then of the wrong type, then a table key's type */
    expect_esk(
        f, qi,
        "{\"gk\":{\"S\":\"h\"},\"zz\":{\"B\":\"AQ==\"},\"pk\":{\"S\":\"1\"},\"sk\":{\"N\":\"1\"}}",
        "The provided starting key is invalid");
    expect_esk(
        f, qi,
        "{\"gk\":{\"N\":\"1\"},\"gr\":{\"B\":\"AQ==\"},\"pk\":{\"S\":\"1\"},\"sk\":{\"N\":\"1\"}}",
        "The provided key element does not match the schema");
    expect_esk(
        f, qi,
        "{\"gk\":{\"S\":\"h\"},\"gr\":{\"B\":\"AQ==\"},\"pk\":{\"N\":\"1\"},\"sk\":{\"N\":\"1\"}}",
        schema);
    expect_esk(
        f, qi,
        "{\"gk\":{\"S\":\"zz\"},\"gr\":{\"B\":\"AQ==\"},\"pk\":{\"S\":\"1\"},\"sk\":{\"N\":\"1\"}}",
        "The provided starting key is outside query boundaries based on provided conditions");
    /* an empty S or B key value, index keys first (README: inferred text) */
    expect_esk(f, qi,
               "{\"gk\":{\"S\":\"h\"},\"gr\":{\"B\":\"\"},\"pk\":{\"S\":\"\"},\"sk\":{\"N\":\"1\"}}",
               "The provided starting key is invalid: One or more parameter values are not valid. "
               "A value specified for a secondary index key is not supported. The AttributeValue "
               "for a key attribute cannot contain an empty binary value. IndexName: gsi, "
               "IndexKey: gr");
    expect_esk(f, qi,
               "{\"gk\":{\"S\":\"h\"},\"gr\":{\"B\":\"AQ==\"},\"pk\":{\"S\":\"\"},\"sk\":{\"N\":\"1\"}}",
               "The provided starting key is invalid: One or more parameter values are not valid. "
               "The AttributeValue for a key attribute cannot contain an empty string value. "
               "Key: pk");
    store_query qs = {.table = t};
    expect_esk(f, qs, "{\"pk\":{\"S\":\"h\"}}", schema);
    /* a valid start key that names no stored item works */
    qs.start_key = J(&f->a, "{\"pk\":{\"S\":\"zzz\"},\"sk\":{\"N\":\"1\"}}");
    store_result r;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_query_run(f->s, &qs, &f->a, &r, &e), 0);
}

/* A start key {"pk","sk"[,"gk","gr"]} of S values, each a run of n copies of one character
 * (ch may be a UTF-8 sequence), as JSON text in the arena. */
static const char *esk_text(st_fix *f, const char *const names[], const char *const chars[],
                            const size_t counts[], size_t n)
{
    size_t cap = 64;
    for (size_t i = 0; i < n; i++)
        cap += strlen(names[i]) + counts[i] * strlen(chars[i]) + 16;
    char *t = arena_alloc(&f->a, cap), *p = t;
    assert_non_null(t);
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        p += sprintf(p, "%s\"%s\":{\"S\":\"", i ? "," : "", names[i]);
        for (size_t k = 0; k < counts[i]; k++)
            p += sprintf(p, "%s", chars[i]);
        p += sprintf(p, "\"}");
    }
    *p++ = '}';
    *p = 0;
    return t;
}

/* A start key's key values over the size limits (2048 bytes for a partition key, 1024 for a
 * sort key, counted in bytes): an index's key attributes first with the bare texts, at their
 * place in the index's key; then the table's after the start-key prefix (dynalite's Query and
 * Scan, checked against AWS).  Each at its limit is accepted. */
static void test_esk_key_sizes(void **state)
{
    st_fix *f = *state;
    store_index ix[2] = {st_ix("gsi", true, st_kd("gk", AV_S, "gr", AV_S), STORE_PROJ_KEYS_ONLY),
                         st_ix("bysk", true, st_kd("sk", AV_S, NULL, AV_NONE), STORE_PROJ_ALL)};
    const store_table *t = st_create(f->s, "tz", st_kd("pk", AV_S, "sk", AV_S), ix, 2);
    const char *hash = "One or more parameter values were invalid: Size of hashkey has exceeded "
                       "the maximum size limit of2048 bytes";
    const char *range = "One or more parameter values were invalid: Aggregated size of all range "
                        "keys has exceeded the size limit of 1024 bytes";
    char phash[256], prange[256];
    snprintf(phash, sizeof phash, "The provided starting key is invalid: %s", hash);
    snprintf(prange, sizeof prange, "The provided starting key is invalid: %s", range);
    const char *tn[] = {"pk", "sk"}, *in[] = {"gk", "gr", "pk", "sk"};
    const char *a[] = {"a", "a", "a", "a"}, *e2[] = {"a", "\xc3\xa9", "a", "a"};
    store_query qt = {.table = t}, qg = {.table = t, .index = &t->idx[0]},
                qk = {.table = t, .index = &t->idx[1]};
    store_result r;
    err_t e;
    struct {
        store_query *q;
        const char *const *names, *const *chars;
        size_t counts[4], n;
        const char *msg; /* NULL: accepted */
    } cases[] = {
        {&qt, tn, a, {2049, 1}, 2, phash},
        {&qt, tn, a, {1, 1025}, 2, prange},
        {&qt, tn, a, {2049, 1025}, 2, phash},
        {&qt, tn, a, {2048, 1024}, 2, NULL},
        {&qg, in, a, {2049, 1, 1, 1}, 4, hash},
        {&qg, in, a, {1, 1025, 1, 1}, 4, range},
        {&qg, in, e2, {1, 513, 1, 1}, 4, range}, /* 1,026 bytes in 513 characters */
        {&qg, in, e2, {1, 512, 1, 1}, 4, NULL},
        {&qg, in, a, {1, 1, 2049, 1}, 4, phash},
        {&qg, in, a, {1, 1, 1, 1025}, 4, prange},
        {&qg, in, a, {1, 1025, 2049, 1}, 4, range}, /* the index's key first */
        {&qg, in, a, {2048, 1024, 2048, 1024}, 4, NULL},
        /* the table's sort key as the index's partition key: 2048 bytes there, 1024 as the
         * table's */
        {&qk, tn, a, {1, 1500}, 2, prange},
        {&qk, tn, a, {1, 2049}, 2, hash},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *txt = esk_text(f, cases[i].names, cases[i].chars, cases[i].counts, cases[i].n);
        if (cases[i].msg) {
            expect_esk(f, *cases[i].q, txt, cases[i].msg);
            continue;
        }
        store_query q = *cases[i].q;
        q.start_key = J(&f->a, txt);
        err_clear(&e);
        assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), 0);
    }
}

/* keys longer than LMDB's key limit still work (stored truncated + hash) */
static void test_long_keys(void **state)
{
    st_fix *f = *state;
    store_index ix[1] = {st_ix("gsi", true, st_kd("gk", AV_S, "gr", AV_S), STORE_PROJ_ALL)};
    const store_table *t = st_create(f->s, "tk", st_kd("pk", AV_S, "sk", AV_S), ix, 1);
    char *hk = arena_alloc(&f->a, 2048);
    memset(hk, 'h', 2048);
    char *rk = arena_alloc(&f->a, 1024);
    for (int i = 0; i < 10; i++) {
        memset(rk, 'r', 1024);
        rk[1023] = (char)('0' + i);
        av_t *it = mk_item(&f->a, "x", av_make_s("x", 1), NULL, av_make_null());
        av_kv *kv = arena_zalloc(&f->a, sizeof *kv * 4);
        char *rc = arena_memdup(&f->a, rk, 1024);
        kv[0] = (av_kv){"pk", 2, av_make_s(hk, 2048)};
        kv[1] = (av_kv){"sk", 2, av_make_s(rc, 1024)};
        kv[2] = (av_kv){"gk", 2, av_make_s(hk, 2048)};
        kv[3] = (av_kv){"gr", 2, av_make_s(rc, 1024)};
        *it = av_make_m(kv, 4);
        err_t m;
        assert_int_equal(st_put(f->s, t, it, &f->a, &m), 0);
        av_t got;
        bool found;
        err_t e;
        err_clear(&e);
        assert_int_equal(store_get(f->s, t, it, &f->a, &got, &found, &e), 0);
        assert_true(found);
        assert_true(av_equal(&got, it));
    }
    av_t h = av_make_s(hk, 2048);
    memset(rk, 'r', 1024);
    rk[1023] = '5';
    store_query q = {.table = t, .eq = &h, .n_eq = 1, .rop = STORE_R_GE, .r1 = av_make_s(rk, 1024)};
    av_t *items;
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 5);
    q.limit = 2;
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 5);
    q.index = &t->idx[0];
    q.limit = 3;
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 5);
}

/* store_query.fetch: a KEYS_ONLY LSI's page with each entry's item read from the table in the
 * same snapshot; the page stops at max_bytes counting the fetched items (review14 F1: 30 items
 * of 100 KB made one 3 MB page); refused on a GSI, a table, and in stored mode. */
static void test_lsi_fetch(void **state)
{
    st_fix *f = *state;
    store_index ix = st_ix("by_l", false, st_kd("pk", AV_S, "l", AV_N), STORE_PROJ_KEYS_ONLY);
    const store_table *t = st_create(f->s, "lf", st_kd("pk", AV_S, "sk", AV_N), &ix, 1);
    char pad[1001];
    memset(pad, 'x', 1000);
    pad[1000] = 0;
    for (int i = 0; i < 10; i++) {
        char txt[1200];
        snprintf(txt, sizeof txt,
                 "{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"%d\"},\"l\":{\"N\":\"%d\"},"
                 "\"big\":{\"S\":\"%s\"}}", i, 9 - i, pad);
        st_put_ok(f->s, t, &f->a, txt);
    }
    av_t hv = JV(&f->a, "{\"S\":\"p\"}");
    store_query q;
    memset(&q, 0, sizeof q);
    q.table = t;
    q.index = &t->idx[0];
    q.eq = &hv;
    q.n_eq = 1;
    q.fetch = true;
    q.max_bytes = 3000; /* an item is ~1,012 bytes; its entry ~12 */
    store_result r;
    err_t e = {0};
    assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), 0);
    assert_int_equal(r.n, 3); /* the third item brings the page past 3,000 */
    assert_non_null(r.fetched);
    uint64_t sum = 0;
    for (size_t i = 0; i < r.n; i++) {
        sum += av_item_size(&r.fetched[i]);
        assert_null(av_map_gets(&r.items[i], "big")); /* the entry: keys only */
        const av_t *b = av_map_gets(&r.fetched[i], "big");
        assert_non_null(b);
        assert_int_equal(b->u.str.len, 1000);
        assert_true(av_equal(av_map_gets(&r.fetched[i], "l"), av_map_gets(&r.items[i], "l")));
    }
    assert_int_equal(r.fetched_bytes, sum);
    assert_true(sum >= 3000 && r.bytes < 100);
    assert_int_equal(r.last_key.type, AV_M);
    /* without fetch the same page holds every entry */
    q.fetch = false;
    assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), 0);
    assert_int_equal(r.n, 10);
    assert_null(r.fetched);
    /* only an LSI's decoded page */
    q.fetch = true;
    q.stored = true;
    assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), ERR_INTERNAL);
    err_clear(&e);
    q.stored = false;
    q.index = NULL;
    assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), ERR_INTERNAL);
}

/* store_get_many: several tables, present and absent keys, one snapshot */
static void test_get_many(void **state)
{
    st_fix *f = *state;
    const store_table *a = st_create(f->s, "ga", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    const store_table *b = st_create(f->s, "gb", st_kd("id", AV_N, "r", AV_S), NULL, 0);
    st_put_ok(f->s, a, &f->a, "{\"pk\":{\"S\":\"x\"},\"v\":{\"N\":\"1\"}}");
    st_put_ok(f->s, b, &f->a, "{\"id\":{\"N\":\"7\"},\"r\":{\"S\":\"q\"},\"v\":{\"N\":\"2\"}}");
    const store_table *tabs[3] = {a, b, a};
    const av_t *keys[3] = {J(&f->a, "{\"pk\":{\"S\":\"x\"}}"),
                           J(&f->a, "{\"id\":{\"N\":\"7\"},\"r\":{\"S\":\"q\"}}"),
                           J(&f->a, "{\"pk\":{\"S\":\"missing\"}}")};
    av_t out[3];
    bool found[3];
    err_t e;
    err_clear(&e);
    assert_int_equal(store_get_many(f->s, tabs, keys, 3, &f->a, out, found, &e), 0);
    assert_true(found[0] && found[1] && !found[2]);
    assert_item_json(&out[0], "{\"pk\":{\"S\":\"x\"},\"v\":{\"N\":\"1\"}}");
    assert_item_json(&out[1], "{\"id\":{\"N\":\"7\"},\"r\":{\"S\":\"q\"},\"v\":{\"N\":\"2\"}}");
    assert_int_equal(out[2].type, AV_NONE);
    /* store_get_many_stored: the same items' encodings, not decoded (ExecuteTransaction's reads
     * decode one at a time): each decodes to store_get_many's item */
    store_bytes raw[3];
    bool rfound[3];
    assert_int_equal(store_get_many_stored(f->s, tabs, keys, 3, &f->a, raw, rfound, &e), 0);
    assert_true(rfound[0] && rfound[1] && !rfound[2]);
    assert_null(raw[2].data);
    assert_int_equal(raw[2].len, 0);
    for (int i = 0; i < 2; i++) {
        av_t d;
        assert_int_equal(av_decode(raw[i].data, raw[i].len, &f->a, &d), 0);
        assert_true(av_equal(&d, &out[i]));
    }
    /* a key missing its range attribute is a validation error */
    keys[1] = J(&f->a, "{\"id\":{\"N\":\"7\"}}");
    err_clear(&e);
    assert_int_equal(store_get_many(f->s, tabs, keys, 3, &f->a, out, found, &e), ERR_VALIDATION);
    err_clear(&e);
    assert_int_equal(store_get_many_stored(f->s, tabs, keys, 3, &f->a, raw, rfound, &e),
                     ERR_VALIDATION);
}

/* store_get_many_capped: the read stops at the first item that takes the total past the
 * cap, the items after it not read (TransactGetItems' 4 MB aggregate: review12) */
static void test_get_many_capped(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "gc", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"a\"},\"v\":{\"S\":\"0123456789\"}}");
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"b\"},\"v\":{\"S\":\"0123456789\"}}");
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"c\"},\"v\":{\"S\":\"0123456789\"}}");
    const store_table *tabs[3] = {t, t, t};
    const av_t *keys[3] = {J(&f->a, "{\"pk\":{\"S\":\"a\"}}"), J(&f->a, "{\"pk\":{\"S\":\"b\"}}"),
                           J(&f->a, "{\"pk\":{\"S\":\"c\"}}")};
    av_t out[3];
    bool found[3], over = true;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_get_many(f->s, tabs, keys, 3, &f->a, out, found, &e), 0);
    uint64_t one = av_item_size(&out[0]); /* 2 + 1 + 1 + 10 = 14 bytes */
    assert_int_equal(one, 14);
    /* exactly three items' worth: all read, not over */
    assert_int_equal(store_get_many_capped(f->s, tabs, keys, 3, &f->a, out, found, 3 * one,
                                           &over, &e), 0);
    assert_false(over);
    assert_true(found[0] && found[1] && found[2]);
    /* one byte less: the third item is the one past the cap; nothing after it is read */
    assert_int_equal(store_get_many_capped(f->s, tabs, keys, 3, &f->a, out, found, 2 * one,
                                           &over, &e), 0);
    assert_true(over);
    /* a cap below the first item: the first is read, the others not */
    assert_int_equal(store_get_many_capped(f->s, tabs, keys, 3, &f->a, out, found, 1, &over, &e),
                     0);
    assert_true(over);
    assert_true(found[0] && !found[1] && !found[2]);
}


/* ---- multi-attribute GSI keys ------------------------------------------------------------ */

/* GSI "m": partition a (S) + b (N), sort c (S) + d (N); items lacking any of them are not in
 * it.  Index order: c, d, then the table key. */
static store_keydef mk_multi_kd(void)
{
    store_keydef k = st_kd("a", AV_S, "c", AV_S);
    k.n_xhash = 1;
    k.xhash[0] = "b";
    k.xhash_type[0] = AV_N;
    k.n_xrange = 1;
    k.xrange[0] = "d";
    k.xrange_type[0] = AV_N;
    return k;
}

static const char *const multi_c[] = {"c0", "c1", "c2"};
static const char *const multi_d[] = {"-1", "0", "5", "10"};

static bool multi_in_index(const av_t *it)
{
    const av_t *a = av_map_gets(it, "a"), *b = av_map_gets(it, "b"), *c = av_map_gets(it, "c"),
               *d = av_map_gets(it, "d");
    return a && a->type == AV_S && b && b->type == AV_N && c && c->type == AV_S && d &&
           d->type == AV_N;
}

static int multi_cmp(const void *x, const void *y)
{
    static const char *const order[] = {"c", "d", "pk", "sk"};
    for (int i = 0; i < 4; i++) {
        int c = av_compare_scalar(av_map_gets(x, order[i]), av_map_gets(y, order[i]));
        if (c)
            return c;
    }
    return 0;
}

/* The sk values (S) of t's items under pk "h", in order, as "v1,v2,...". */
static void q_sks(store_t *s, const store_table *t, arena_t *a, char *out, size_t cap)
{
    av_t h = av_make_s("h", 1);
    store_query q = {.table = t, .eq = &h, .n_eq = 1};
    av_t *got;
    size_t n = st_query_all(s, q, a, &got);
    size_t at = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && at < cap; i++) {
        const av_t *sk = av_map_gets(&got[i], "sk");
        assert_non_null(sk);
        at += (size_t)snprintf(out + at, cap - at, "%s%.*s", i ? "," : "", (int)sk->u.str.len,
                               sk->u.str.ptr);
    }
}

typedef struct nest_ctx {
    store_t *s;
    const store_table *t;
    arena_t *a;
    char inner[128];
    size_t items;
} nest_ctx;

static int nest_item(void *ctx, const void *data, size_t len, const char *const *names,
                     const size_t *lens, size_t n, av_t *vals, size_t *size)
{
    nest_ctx *c = ctx;
    *size = 0;
    if (av_stored_scan(data, len, names, lens, n, vals, size))
        return -1;
    if (c->items++ == 0) /* a run inside the run, on this thread: its own buffers and cursor */
        q_sks(c->s, c->t, c->a, c->inner, sizeof c->inner);
    return 0;
}

static void nest_kept(void *ctx)
{
    (void)ctx;
}

/* store_query_run keeps its key buffers and its cursor per thread between runs (perf18): a
 * thread that reads one store, then another, then the first again, a store closed and
 * another opened, and a run inside a run (a visitor that queries) each see their own items. */
static void test_thread_cursor_reuse(void **state)
{
    st_fix *f = *state;
    char dir2[256], dir3[256];
    snprintf(dir2, sizeof dir2, "/tmp/ddb_store_test_XXXXXX");
    snprintf(dir3, sizeof dir3, "/tmp/ddb_store_test_XXXXXX");
    assert_non_null(mkdtemp(dir2));
    assert_non_null(mkdtemp(dir3));
    store_t *s2 = st_open_dir(dir2, 0);
    const store_table *t1 = st_create(f->s, "t", st_kd("pk", AV_S, "sk", AV_S), NULL, 0);
    const store_table *t2 = st_create(s2, "t", st_kd("pk", AV_S, "sk", AV_S), NULL, 0);
    st_put_ok(f->s, t1, &f->a, "{\"pk\":{\"S\":\"h\"},\"sk\":{\"S\":\"a1\"}}");
    st_put_ok(f->s, t1, &f->a, "{\"pk\":{\"S\":\"h\"},\"sk\":{\"S\":\"a2\"}}");
    st_put_ok(s2, t2, &f->a, "{\"pk\":{\"S\":\"h\"},\"sk\":{\"S\":\"b1\"}}");
    char got[128];
    for (int round = 0; round < 3; round++) {
        q_sks(f->s, t1, &f->a, got, sizeof got);
        assert_string_equal(got, "a1,a2");
        q_sks(s2, t2, &f->a, got, sizeof got);
        assert_string_equal(got, "b1");
    }
    /* a write between two runs: the renewed cursor reads the new snapshot */
    st_put_ok(s2, t2, &f->a, "{\"pk\":{\"S\":\"h\"},\"sk\":{\"S\":\"b2\"}}");
    q_sks(s2, t2, &f->a, got, sizeof got);
    assert_string_equal(got, "b1,b2");
    /* the store whose cursor the thread kept is closed; another opened in its place */
    st_close(s2);
    store_t *s3 = st_open_dir(dir3, 0);
    const store_table *t3 = st_create(s3, "t", st_kd("pk", AV_S, "sk", AV_S), NULL, 0);
    st_put_ok(s3, t3, &f->a, "{\"pk\":{\"S\":\"h\"},\"sk\":{\"S\":\"c1\"}}");
    q_sks(s3, t3, &f->a, got, sizeof got);
    assert_string_equal(got, "c1");
    q_sks(f->s, t1, &f->a, got, sizeof got);
    assert_string_equal(got, "a1,a2");
    /* a run inside a run, on the same store (another table, so other bounds): the inner one
     * takes neither the outer's buffers nor its cursor */
    const store_table *tu = st_create(f->s, "u", st_kd("pk", AV_S, "sk", AV_S), NULL, 0);
    st_put_ok(f->s, tu, &f->a, "{\"pk\":{\"S\":\"h\"},\"sk\":{\"S\":\"u1\"}}");
    nest_ctx c = {.s = f->s, .t = tu, .a = &f->a};
    store_visit vis = {nest_item, nest_kept, nest_kept, &c};
    av_t h = av_make_s("h", 1);
    store_query q = {.table = t1, .eq = &h, .n_eq = 1, .stored = true, .visit = &vis};
    store_result r;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(c.items, 2);
    assert_string_equal(c.inner, "u1");
    q_sks(f->s, t1, &f->a, got, sizeof got); /* and the thread's set is free again */
    assert_string_equal(got, "a1,a2");
    st_close(s3);
    st_rmrf(dir2);
    st_rmrf(dir3);
}

static void test_multi_key(void **state)
{
    st_fix *f = *state;
    store_index ix = st_ix("m", true, mk_multi_kd(), STORE_PROJ_KEYS_ONLY);
    const store_table *t = st_create(f->s, "tm", st_kd("pk", AV_S, "sk", AV_N), &ix, 1);
    assert_int_equal(t->idx[0].key.n_xhash, 1);
    assert_string_equal(t->idx[0].key.xrange[0], "d");
    av_t all[200];
    size_t n = 0;
    for (int i = 0; i < 160; i++) {
        char txt[256];
        int k = snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"p%d\"},\"sk\":{\"N\":\"%d\"}", i % 7, i);
        k += snprintf(txt + k, sizeof txt - k, ",\"a\":{\"S\":\"%s\"}", i % 2 ? "x" : "y");
        if (i % 11 != 3) /* some lack b: not in the index */
            k += snprintf(txt + k, sizeof txt - k, ",\"b\":{\"N\":\"%d\"}", i % 3);
        k += snprintf(txt + k, sizeof txt - k, ",\"c\":{\"S\":\"%s\"}", multi_c[i % 3]);
        if (i % 13 != 5) /* some lack d */
            k += snprintf(txt + k, sizeof txt - k, ",\"d\":{\"N\":\"%s\"}", multi_d[(i / 3) % 4]);
        snprintf(txt + k, sizeof txt - k, ",\"v\":{\"S\":\"%d\"}}", i);
        st_put_ok(f->s, t, &f->a, txt);
        all[n++] = *J(&f->a, txt);
    }
    /* every Scan of the index holds exactly the items with all four attributes */
    store_query sq = {.table = t, .index = &t->idx[0]};
    av_t *got;
    size_t ng = st_query_all(f->s, sq, &f->a, &got), want_all = 0;
    for (size_t i = 0; i < n; i++)
        want_all += multi_in_index(&all[i]);
    assert_int_equal(ng, want_all);
    for (size_t i = 0; i < ng; i++)
        assert_null(av_map_gets(&got[i], "v")); /* KEYS_ONLY: every key attribute, no more */
    /* queries: (a, b) [= c] then a condition on the next sort attribute */
    const char *as[] = {"x", "y"};
    store_rop ops[] = {STORE_R_NONE, STORE_R_EQ, STORE_R_LT, STORE_R_LE,
                       STORE_R_GT,   STORE_R_GE, STORE_R_BETWEEN, STORE_R_BEGINS_WITH};
    for (int ai = 0; ai < 2; ai++)
        for (int bi = 0; bi < 3; bi++)
            for (int neq = 2; neq <= 3; neq++)
                for (size_t oi = 0; oi < sizeof ops / sizeof ops[0]; oi++)
                    for (int bound = 0; bound < 4; bound++)
                        for (int rev = 0; rev < 2; rev++) {
                            bool on_c = neq == 2; /* the condition's attribute: c or d */
                            if (ops[oi] == STORE_R_BEGINS_WITH && !on_c)
                                continue;
                            char bs[8];
                            snprintf(bs, sizeof bs, "%d", bi);
                            av_t eq[3] = {av_make_s(as[ai], 1), av_make_n_canonical(bs, strlen(bs)),
                                          av_make_s("c1", 2)};
                            const char *bv = on_c ? (const char *[]){"c0", "c1", "c", "c3"}[bound]
                                                  : multi_d[bound];
                            av_t r1 = on_c ? av_make_s(bv, strlen(bv)) : av_make_n_canonical(bv, strlen(bv));
                            av_t r2 = on_c ? av_make_s("c2", 2) : av_make_n_canonical("5", 1);
                            store_query q = {.table = t, .index = &t->idx[0], .eq = eq,
                                             .n_eq = (size_t)neq, .rop = ops[oi], .r1 = r1,
                                             .r2 = r2, .reverse = rev, .limit = (size_t)bound};
                            size_t nq = st_query_all(f->s, q, &f->a, &got);
                            av_t want[200];
                            size_t nw = 0;
                            for (size_t i = 0; i < n; i++) {
                                const av_t *it = &all[i];
                                if (!multi_in_index(it) || !av_equal(av_map_gets(it, "a"), &eq[0]) ||
                                    !av_equal(av_map_gets(it, "b"), &eq[1]) ||
                                    (neq == 3 && !av_equal(av_map_gets(it, "c"), &eq[2])))
                                    continue;
                                if (!pred(ops[oi], av_map_gets(it, on_c ? "c" : "d"), &r1, &r2))
                                    continue;
                                want[nw++] = *it;
                            }
                            qsort(want, nw, sizeof *want, multi_cmp);
                            assert_int_equal(nq, nw);
                            for (size_t i = 0; i < nw; i++) {
                                const av_t *w = &want[rev ? nw - 1 - i : i];
                                assert_true(av_equal(av_map_gets(&got[i], "pk"), av_map_gets(w, "pk")));
                                assert_true(av_equal(av_map_gets(&got[i], "sk"), av_map_gets(w, "sk")));
                            }
                        }
    /* a start key outside the equalities, or missing a key attribute */
    av_t eq2[2] = {av_make_s("x", 1), av_make_n_canonical("1", 1)};
    store_query q = {.table = t, .index = &t->idx[0], .eq = eq2, .n_eq = 2};
    store_result r;
    err_t e;
    err_clear(&e);
    q.start_key = J(&f->a, "{\"pk\":{\"S\":\"p1\"},\"sk\":{\"N\":\"1\"},\"a\":{\"S\":\"x\"},"
                           "\"b\":{\"N\":\"2\"},\"c\":{\"S\":\"c1\"},\"d\":{\"N\":\"0\"}}");
    assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "The provided starting key is outside query boundaries based on provided conditions");
    err_clear(&e);
    q.start_key = J(&f->a, "{\"pk\":{\"S\":\"p1\"},\"sk\":{\"N\":\"1\"},\"a\":{\"S\":\"x\"},"
                           "\"b\":{\"N\":\"1\"},\"c\":{\"S\":\"c1\"}}");
    assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "The provided starting key is invalid");
    err_clear(&e);
    /* a key condition that does not cover the partition key is the caller's bug */
    q.start_key = NULL;
    q.n_eq = 1;
    assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), ERR_INTERNAL);
    err_clear(&e);
    /* a mistyped equality value */
    av_t bad[2] = {av_make_s("x", 1), av_make_s("1", 1)};
    q.eq = bad;
    q.n_eq = 2;
    err_clear(&e);
    assert_int_equal(store_query_run(f->s, &q, &f->a, &r, &e), ERR_VALIDATION);
}

/* the multi-attribute key survives a reopen; a table or an LSI cannot have one */
static void test_multi_key_catalog(void **state)
{
    st_fix *f = *state;
    store_keydef mk = mk_multi_kd();
    store_index ix = st_ix("m", true, mk, STORE_PROJ_ALL);
    st_create(f->s, "tmc", st_kd("pk", AV_S, NULL, AV_NONE), &ix, 1);
    st_close(f->s);
    f->s = st_open_dir(f->dir, 0);
    const store_table *t = st_pin(f->s, "tmc");
    assert_non_null(t);
    const char *names[STORE_KEY_ATTRS];
    av_type types[STORE_KEY_ATTRS];
    size_t nh, nk = store_key_attrs(&t->idx[0].key, names, types, &nh);
    assert_int_equal(nk, 4);
    assert_int_equal(nh, 2);
    assert_string_equal(names[1], "b");
    assert_int_equal(types[1], AV_N);
    assert_string_equal(names[3], "d");
    assert_int_equal(types[3], AV_N);
    /* an added multi-attribute GSI is filled from the existing items */
    st_put_ok(f->s, t, &f->a,
              "{\"pk\":{\"S\":\"1\"},\"a\":{\"S\":\"x\"},\"b\":{\"N\":\"1\"},\"c\":{\"S\":\"c\"},"
              "\"d\":{\"N\":\"2\"}}");
    store_index ix2 = st_ix("m2", true, mk, STORE_PROJ_ALL);
    ix2.key.n_xrange = 0;
    err_t e;
    err_clear(&e);
    assert_int_equal(st_index_add(f->s, "tmc", &ix2, &e), 0);
    t = st_pin(f->s, "tmc");
    assert_int_equal(t->n_idx, 2);
    assert_int_equal(t->idx[1].key.n_xhash, 1);
    assert_int_equal(t->idx[1].key.n_xrange, 0);
    av_t eq[3] = {av_make_s("x", 1), av_make_n_canonical("1", 1), av_make_s("c", 1)};
    store_query q = {.table = t, .index = &t->idx[1], .eq = eq, .n_eq = 3};
    av_t *got;
    assert_int_equal(st_query_all(f->s, q, &f->a, &got), 1);
    /* several attributes in a table's or an LSI's key: refused */
    store_table def;
    memset(&def, 0, sizeof def);
    snprintf(def.name, sizeof def.name, "bad");
    def.key = mk;
    const store_table *out = NULL;
    assert_int_equal(store_table_create(f->s, &def, &out, NULL, &e), ERR_INTERNAL);
    def.key = st_kd("pk", AV_S, "sk", AV_S);
    def.idx[0] = st_ix("l", false, mk, STORE_PROJ_ALL);
    def.n_idx = 1;
    assert_int_equal(store_table_create(f->s, &def, &out, NULL, &e), ERR_INTERNAL);
    assert_null(st_pin(f->s, "bad"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_range_n, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_range_s_and_begins_with, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_range_b_ff, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_pagination_ties, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_limit_lek, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_page_bytes, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_scan_segments, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_esk_validation, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_esk_key_sizes, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_long_keys, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_get_many, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_get_many_capped, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_lsi_fetch, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_multi_key, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_thread_cursor_reuse, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_multi_key_catalog, st_setup, st_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
