/*
 * Unit tests for expr/expr_project: projected shapes as DynamoDB returns them (members kept,
 * list elements in index order and compacted, missing paths skipped, whole values for paths
 * that end at them), placeholder names, overlap errors (also random projections against a
 * pairwise reference), AttributesToGet, top-level names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "expr_test_util.h"

static const char *ITEM =
    "{\"s\":{\"S\":\"x\"},\"n\":{\"N\":\"1\"},"
    "\"l\":{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"},{\"M\":{\"x\":{\"S\":\"y\"},\"z\":{\"S\":\"w\"}}},"
    "{\"L\":[{\"N\":\"1\"},{\"N\":\"2\"}]}]},"
    "\"m\":{\"M\":{\"a\":{\"M\":{\"b\":{\"N\":\"1\"},\"c\":{\"L\":[{\"N\":\"0\"},{\"N\":\"1\"}]}}},"
    "\"s\":{\"S\":\"x\"}}},\"x.y\":{\"S\":\"dot\"}}";

typedef struct pc {
    const char *text;
    const char *want; /* item JSON, or '!' + error */
} pc;

static const pc cases[] = {
    {"s", "{\"s\":{\"S\":\"x\"}}"},
    {"s, n, nope", "{\"s\":{\"S\":\"x\"},\"n\":{\"N\":\"1\"}}"},
    {"nope", "{}"},
    {"m.a.b", "{\"m\":{\"M\":{\"a\":{\"M\":{\"b\":{\"N\":\"1\"}}}}}}"},
    {"m.a.b, m.s", "{\"m\":{\"M\":{\"a\":{\"M\":{\"b\":{\"N\":\"1\"}}},\"s\":{\"S\":\"x\"}}}}"},
    {"m.a.c[1]", "{\"m\":{\"M\":{\"a\":{\"M\":{\"c\":{\"L\":[{\"N\":\"1\"}]}}}}}}"},
    {"l[3], l[0]", "{\"l\":{\"L\":[{\"S\":\"a\"},{\"L\":[{\"N\":\"1\"},{\"N\":\"2\"}]}]}}"},
    {"l[0], l[9], l[2].x", "{\"l\":{\"L\":[{\"S\":\"a\"},{\"M\":{\"x\":{\"S\":\"y\"}}}]}}"},
    {"l[3][1]", "{\"l\":{\"L\":[{\"L\":[{\"N\":\"2\"}]}]}}"},
    {"l.x, m[0], s.x", "{}"},
    {"#d", "{\"x.y\":{\"S\":\"dot\"}}"},
    {"#m.#a.b", "{\"m\":{\"M\":{\"a\":{\"M\":{\"b\":{\"N\":\"1\"}}}}}}"},
    {"s, s", "!Invalid ProjectionExpression: Two document paths overlap with each other; must "
             "remove or rewrite one of these paths; path one: [s], path two: [s]"},
    {"m.a, m.a.b",
     "!Invalid ProjectionExpression: Two document paths overlap with each other; must remove or "
     "rewrite one of these paths; path one: [m, a], path two: [m, a, b]"},
    {"l[0], l.x",
     "!Invalid ProjectionExpression: Two document paths conflict with each other; must remove or "
     "rewrite one of these paths; path one: [l, [0]], path two: [l, x]"},
    {"#nope", "!Invalid ProjectionExpression: An expression attribute name used in the document "
              "path is not defined; attribute name: #nope"},
    {"date",
     "!Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: date"},
};

static void test_table(void **state)
{
    size_t bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena_t a;
        arena_init(&a);
        err_t e;
        expr_t *x;
        const char *names = strstr(cases[i].text, "#d")   ? "{\"#d\":\"x.y\"}"
                            : strstr(cases[i].text, "#m") ? "{\"#m\":\"m\",\"#a\":\"a\"}"
                                                          : NULL;
        av_t item = titem(&a, ITEM), out;
        int rc = tpipe(&a, EXPR_PROJECTION, cases[i].text, names, NULL, &x, &e);
        if (!rc)
            rc = expr_project(&a, x, &item, &out, &e);
        if (cases[i].want[0] == '!') {
            if (rc != ERR_VALIDATION || strcmp(e.msg, cases[i].want + 1)) {
                printf("case %zu [%s]\n  want %s\n  got  %s\n", i, cases[i].text, cases[i].want + 1,
                       rc ? e.msg : "success");
                bad++;
            }
        } else if (rc || !tequal(&a, &out, cases[i].want, true)) {
            printf("case %zu [%s] %s\n", i, cases[i].text, rc ? e.msg : "");
            bad++;
        }
        arena_fini(&a);
    }
    assert_int_equal(bad, 0);
}

static void test_missing_item_and_legacy(void **state)
{
    arena_t a;
    arena_init(&a);
    err_t e;
    err_clear(&e);
    expr_t *x;
    av_t out;
    expr_name names[] = {{"s", 1}, {"nope", 4}, {"s", 1}, {"m", 1}};
    assert_int_equal(expr_build_projection(&a, names, 4, &x, &e), 0);
    assert_int_equal(expr_project(&a, x, NULL, &out, &e), 0);
    assert_int_equal(out.type, AV_NONE);
    av_t item = titem(&a, ITEM);
    assert_int_equal(expr_project(&a, x, &item, &out, &e), 0);
    assert_true(tequal(&a, &out,
                       "{\"s\":{\"S\":\"x\"},\"m\":{\"M\":{\"a\":{\"M\":{\"b\":{\"N\":\"1\"},"
                       "\"c\":{\"L\":[{\"N\":\"0\"},{\"N\":\"1\"}]}}},\"s\":{\"S\":\"x\"}}}}",
                       true));
    arena_fini(&a);
}

static void test_top_names(void **state)
{
    arena_t a;
    arena_init(&a);
    err_t e;
    expr_t *x;
    expr_name *n;
    size_t k;
    assert_int_equal(tpipe(&a, EXPR_FILTER, "#a.b = :v AND (size(c[1]) > :v OR #a <> d)",
                           "{\"#a\":\"aa\"}", "{\":v\":{\"N\":\"1\"}}", &x, &e),
                     0);
    assert_int_equal(expr_top_names(&a, x, &n, &k, &e), 0);
    assert_int_equal(k, 3);
    assert_int_equal(n[0].len, 2);
    assert_memory_equal(n[0].ptr, "aa", 2);
    assert_memory_equal(n[1].ptr, "c", 1);
    assert_memory_equal(n[2].ptr, "d", 1);
    assert_int_equal(tpipe(&a, EXPR_UPDATE, "SET a.b = c + :v REMOVE d[1]", NULL,
                           "{\":v\":{\"N\":\"1\"}}", &x, &e),
                     0);
    assert_int_equal(expr_top_names(&a, x, &n, &k, &e), 0);
    assert_int_equal(k, 3);
    arena_fini(&a);
}

/* A random projection's overlap error against a pairwise reference (atg12: the resolver
 * now looks for a meeting pair by a sort and compares pairwise only when there is one; this
 * pins that it finds every overlap and conflict, and names the same pair).  Paths of 1-3
 * elements (names a-l first, then a-c or indexes 0-2), 2-40 paths. */
typedef struct tel {
    bool idx;
    int v; /* name 'a' + v, or index v */
} tel;

typedef struct tpath {
    tel el[3];
    int n;
} tpath;

/* 0 apart, 1 overlap, 2 conflict (expr_paths_meet's rule) */
static int tmeet(const tpath *x, const tpath *y)
{
    int m = x->n < y->n ? x->n : y->n;
    for (int k = 0; k < m; k++) {
        if (x->el[k].idx != y->el[k].idx)
            return 2;
        if (x->el[k].v != y->el[k].v)
            return 0;
    }
    return 1;
}

/* "a.b[1]" (brackets false) or "[a, b, [1]]" as messages print it (brackets true) */
static size_t tpath_text(const tpath *p, char *s, bool brackets)
{
    size_t n = 0;
    if (brackets)
        s[n++] = '[';
    for (int k = 0; k < p->n; k++) {
        if (brackets && k) {
            s[n++] = ',';
            s[n++] = ' ';
        }
        if (p->el[k].idx) {
            n += (size_t)sprintf(s + n, "[%d]", p->el[k].v);
        } else {
            if (!brackets && k)
                s[n++] = '.';
            s[n++] = (char)('a' + p->el[k].v);
        }
    }
    if (brackets)
        s[n++] = ']';
    s[n] = '\0';
    return n;
}

static void test_overlaps_against_pairwise(void **state)
{
    (void)state;
    unsigned seed = 12;
    int bad = 0, with_error = 0;
    for (int round = 0; round < 3000; round++) {
        tpath ps[40];
        int np = 2 + (int)(rand_r(&seed) % (round % 2 ? 39 : 10));
        char text[40 * 16 + 1]; /* a path is at most 11 bytes and a comma */
        size_t tl = 0;
        for (int i = 0; i < np; i++) {
            ps[i].n = 1 + (int)(rand_r(&seed) % 3);
            for (int k = 0; k < ps[i].n; k++) {
                ps[i].el[k].idx = k > 0 && rand_r(&seed) % 3 == 0;
                ps[i].el[k].v = (int)(rand_r(&seed) % (k ? 3 : 12)); /* names a-l first */
            }
            if (i)
                text[tl++] = ',';
            tl += tpath_text(&ps[i], text + tl, false);
        }
        /* the last path that meets an earlier one, with the last such earlier path
         * (DynamoDB Local: "a.b, a[1], a.c[2], a.c.d" names [a, c, [2]] and [a, c, d];
         * tests/e2e/test_items.py test_path_meet_named_last) */
        int wj = -1, wi = -1, wm = 0;
        for (int j = 1; j < np; j++)
            for (int i = 0; i < j; i++) {
                int m = tmeet(&ps[i], &ps[j]);
                if (m) {
                    wj = j;
                    wi = i;
                    wm = m;
                }
            }
        char want[512] = "";
        if (wj >= 0) {
            char sa[64], sb[64];
            tpath_text(&ps[wi], sa, true);
            tpath_text(&ps[wj], sb, true);
            snprintf(want, sizeof want,
                     "Invalid ProjectionExpression: Two document paths %s with each other; must "
                     "remove or rewrite one of these paths; path one: %s, path two: %s",
                     wm == 2 ? "conflict" : "overlap", sa, sb);
            with_error++;
        }
        arena_t a;
        arena_init(&a);
        err_t e;
        expr_t *x;
        int rc = tpipe(&a, EXPR_PROJECTION, text, NULL, NULL, &x, &e);
        if (wj >= 0 ? rc != ERR_VALIDATION || strcmp(e.msg, want) : rc != 0) {
            printf("[%s]\n  want %s\n  got  %s\n", text, wj >= 0 ? want : "success",
                   rc ? e.msg : "success");
            bad++;
        }
        arena_fini(&a);
    }
    assert_int_equal(bad, 0);
    assert_true(with_error > 1000 && with_error < 2900); /* both kinds of case are there */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_missing_item_and_legacy),
        cmocka_unit_test(test_top_names),
        cmocka_unit_test(test_overlaps_against_pairwise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
