/*
 * test_metrics_http — server/metrics_http.c renders a parseable exposition: labels escaped,
 * unknown operations and errors outside the table named, collectors last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/metrics.h"
#include "server/metrics_http.h"

static void coll(void *ctx, buf_t *b)
{
    buf_printf(b, "# TYPE x_lag gauge\nx_lag{trigger=\"t\"} %d\n", *(int *)ctx);
}

/* The text parses line by line: HELP/TYPE or name{labels} value; labels escaped; the
 * collectors' families come last. */
static void test_render(void **state)
{
    (void)state;
    met_t *m = NULL;
    assert_int_equal(met_new(&m), 0);
    met_request(m, 0, 0, 10);
    met_request(m, MET_OP_OTHER, ERR_UNKNOWN_OPERATION, 10);
    met_request(m, 0, MET_ERR_OTHER, 10);
    met_capacity(m, 9, "we\"ird\\name\n", 3, 0);
    int lag = 42;
    assert_int_equal(met_add_collector(m, coll, &lag), 0);
    http_metrics_in in = {.met = m, .conns_ddb = 3, .in_flight = 1};
    buf_t b;
    buf_init(&b, HTTP_METRICS_MAX);
    assert_int_equal(http_metrics_render(&in, &b), 0);
    const char *text = (const char *)b.data;
    assert_non_null(strstr(text, "ddbchat_requests_total{operation=\"unknown\"} 1\n"));
    assert_non_null(strstr(text, "error=\"UnknownOperationException\"} 1\n"));
    assert_non_null(strstr(text, "error=\"Other\"} 1\n"));
    assert_non_null(strstr(text, "table=\"we\\\"ird\\\\name\\n\",kind=\"read\"} 1.5\n"));
    assert_non_null(strstr(text, "ddbchat_http_connections{listener=\"dynamodb\"} 3\n"));
    assert_non_null(strstr(text, "x_lag{trigger=\"t\"} 42\n"));
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_true(p[0] == '#' || (p[0] >= 'a' && p[0] <= 'z'));
        p = nl + 1;
    }
    met_remove_collector(m, coll, &lag);
    buf_reset(&b);
    assert_int_equal(http_metrics_render(&in, &b), 0);
    assert_null(strstr((const char *)b.data, "x_lag"));
    buf_fini(&b);
    met_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
