/*
 * cmd_sql — `ddbchat sql`: PartiQL statements from the command line.  Layer: cli (wiring:
 * arguments, a backend, ExecuteStatement, printing).
 *
 *   ddbchat sql "SELECT * FROM \"cruddur-messages\" WHERE pk = ?" --param '{"S":"..."}'
 *   ddbchat sql                     an interactive prompt (history in ~/.ddbchat_history)
 *   echo "SELECT ...;" | ddbchat sql   statements from standard input, each ending with ';'
 *
 * Options: --param VALUE (repeatable, a DynamoDB JSON attribute value, bound to the `?` in
 * order), --json (the raw response; Items of all pages), --consistent (ConsistentRead),
 * --data-dir DIR (embedded engine, default ./data) or --endpoint URL [--region R] (a remote
 * DynamoDB-compatible endpoint), like every other subcommand.  A SELECT follows NextToken
 * until the result is complete.  Results print as a table: one column per attribute name, in
 * order of first appearance; strings bare, other values in PartiQL literal notation.
 * Exit status: 0 ok, 1 a statement failed, 2 usage error.
 * libedit is opened only for the interactive prompt (base/dynlib.h), so the other commands
 * (serve above all) do not load it at start; without it the prompt reads plain lines.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>
#include <jansson.h>

#include "base/arena.h"
#include "base/dynlib.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/conn.h"
#include "cli/text.h"
#include "messaging/backend.h"
#include "value/ddbjson.h"

#define SQL_MAX_PARAMS 256
#define SQL_MAX_PAGES 100000
#define SQL_CELL_MAX 80  /* characters of one table cell before it is cut with "..." */
#define SQL_LINE_MAX 65536
#define SQL_HISTORY ".ddbchat_history"

typedef struct sql_opts {
    const char *data_dir;
    const char *endpoint;
    const char *region;
    const char *stmt;
    json_t *params; /* array of attribute values */
    bool json, consistent, help;
} sql_opts;

/* The usage text: on stdout with status 0 when --help asked for it, else on stderr with 2. */
static int sql_usage(bool asked)
{
    fprintf(asked ? stdout : stderr,
            "usage: ddbchat sql [STATEMENT] [--param VALUE]... [options]\n"
            "  STATEMENT          a PartiQL statement; without it, an interactive prompt (or\n"
            "                     statements from standard input, each ending with ';')\n"
            "  --param VALUE      a DynamoDB JSON value for the next `?`, e.g. '{\"S\":\"x\"}'\n"
            "  --consistent       strongly consistent reads\n"
            "  --json             print the response JSON\n"
            "  --data-dir DIR     embedded engine data dir (default ./data)\n"
            "  --endpoint URL     use a remote DynamoDB-compatible endpoint instead\n"
            "  --region REGION    region for --endpoint (default from the AWS config)\n");
    return asked ? 0 : 2;
}

static int sql_parse(int argc, char **argv, sql_opts *o)
{
    memset(o, 0, sizeof *o);
    o->data_dir = "./data";
    o->params = json_array();
    if (!o->params)
        return 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--consistent") == 0) {
            o->consistent = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true; /* wins over whatever else is on the line */
            return 0;
        } else if (a[0] == '-' && a[1] == '-') { /* --name V or --name=V (args.h) */
            static const char *const names[] = {"--param", "--data-dir", "--endpoint",
                                                "--region"};
            char name[CLI_OPT_NAME_MAX];
            const char *v = NULL;
            if (cli_opt_value(argc, argv, &i, names, sizeof names / sizeof names[0], name, &v))
                return 2;
            if (strcmp(name, "--param") == 0) {
                json_error_t je;
                json_t *p = json_loads(v, 0, &je);
                if (!json_is_object(p)) {
                    char *shown = cli_text_escape(v, CLI_ARG_SHOWN_MAX);
                    fprintf(stderr, "ddbchat: --param %s: not a DynamoDB JSON value (%s)\n",
                            shown ? shown : "", p ? "not an object" : je.text);
                    free(shown);
                    json_decref(p);
                    return 2;
                }
                if (json_array_size(o->params) >= SQL_MAX_PARAMS) {
                    json_decref(p);
                    fprintf(stderr, "ddbchat: at most %d --param\n", SQL_MAX_PARAMS);
                    return 2;
                }
                json_array_append_new(o->params, p);
            } else if (strcmp(name, "--data-dir") == 0) {
                o->data_dir = v;
            } else if (strcmp(name, "--endpoint") == 0) {
                o->endpoint = v;
            } else {
                o->region = v;
            }
        } else if (!o->stmt) {
            o->stmt = a;
        } else {
            fprintf(stderr, "ddbchat: one statement at a time (quote it)\n");
            return 2;
        }
    }
    return 0;
}

/* cli_conn_open with the options, its failure printed. */
static int sql_open(cli_conn *c, const sql_opts *o)
{
    err_t e = {0};
    if (cli_conn_open(c, o->data_dir, false, o->endpoint, o->region, &e) == 0)
        return 0;
    fprintf(stderr, "ddbchat: %s\n", e.msg);
    return 1;
}

/* ---- printing ------------------------------------------------------------------------------ */

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t nc = (b->cap ? b->cap * 2 : 64);
        while (nc < b->n + n + 1)
            nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np)
            return; /* keeps what fits: printing is best effort */
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void sb_str(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* A value in PartiQL literal notation ('s', 1, true, NULL, [..], {'k': v}, <<..>>); a
 * top-level string bare. */
static void render(sbuf *b, json_t *v, bool top)
{
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x)
    {
        if (strcmp(k, "S") == 0) {
            if (top) {
                sb_str(b, json_string_value(x));
                return;
            }
            sb_str(b, "'");
            for (const char *s = json_string_value(x); *s; s++) {
                sb_put(b, s, 1);
                if (*s == '\'')
                    sb_put(b, "'", 1); /* '' inside a PartiQL string */
            }
            sb_str(b, "'");
        } else if (strcmp(k, "N") == 0) {
            sb_str(b, json_string_value(x));
        } else if (strcmp(k, "B") == 0) {
            sb_str(b, "b64'");
            sb_str(b, json_string_value(x));
            sb_str(b, "'");
        } else if (strcmp(k, "BOOL") == 0) {
            sb_str(b, json_is_true(x) ? "true" : "false");
        } else if (strcmp(k, "NULL") == 0) {
            sb_str(b, "NULL");
        } else if (strcmp(k, "L") == 0) {
            sb_str(b, "[");
            size_t i;
            json_t *e;
            json_array_foreach(x, i, e)
            {
                if (i)
                    sb_str(b, ", ");
                render(b, e, false);
            }
            sb_str(b, "]");
        } else if (strcmp(k, "M") == 0) {
            sb_str(b, "{");
            const char *mk;
            json_t *mv;
            bool first = true;
            json_object_foreach(x, mk, mv)
            {
                if (!first)
                    sb_str(b, ", ");
                first = false;
                sb_str(b, "'");
                sb_str(b, mk);
                sb_str(b, "': ");
                render(b, mv, false);
            }
            sb_str(b, "}");
        } else if (strcmp(k, "SS") == 0 || strcmp(k, "NS") == 0 || strcmp(k, "BS") == 0) {
            sb_str(b, "<<");
            size_t i;
            json_t *e;
            json_array_foreach(x, i, e)
            {
                if (i)
                    sb_str(b, ", ");
                if (k[0] == 'N') {
                    sb_str(b, json_string_value(e));
                } else {
                    sb_str(b, k[0] == 'B' ? "b64'" : "'");
                    sb_str(b, json_string_value(e));
                    sb_str(b, "'");
                }
            }
            sb_str(b, ">>");
        }
        return;
    }
}

/* Display width: UTF-8 code points (a cell's controls are escapes by then: cell()). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

/* At most SQL_CELL_MAX characters of s, escaped by the CLI's one rule (text.h: controls,
 * DEL and C1 controls as \n, \x1b, \u009b, ...; each escape's characters count), cut with
 * "...", in a new string.  Controls were spaces and DEL and C1 controls reached the terminal
 * (U+009B is the 8-bit CSI). */
static char *cell(const char *s)
{
    return cli_text_escape(s, SQL_CELL_MAX);
}

static void pad(size_t n)
{
    for (size_t i = 0; i < n; i++)
        putchar(' ');
}

/* Whether every item is DynamoDB JSON (value/ddbjson.h), so that render() may read each
 * value's member as its type says: a remote endpoint's reply is input like any other, and
 * {"S": 5} or {"SS": [1]} from one was read as a string (a NULL) and took the CLI down
 * (test_partiql.py::test_cli_sql_refuses_a_reply_that_is_not_dynamodb_json).  false with
 * the reason printed. */
static bool items_readable(json_t *items)
{
    arena_t a;
    arena_init(&a);
    err_t e = {0};
    size_t i;
    json_t *it;
    bool ok = true;
    json_array_foreach(items, i, it)
    {
        av_t v;
        if (ddbjson_to_item(it, &a, &v, &e) != 0) {
            fprintf(stderr, "ddbchat: the endpoint's reply holds an item that is not DynamoDB "
                            "JSON (item %zu: %s)\n",
                    i + 1, e.msg);
            ok = false;
            break;
        }
        arena_reset(&a);
    }
    arena_fini(&a);
    return ok;
}

/* Items as a table: columns in order of first appearance. */
static void print_table(json_t *items)
{
    size_t n = json_array_size(items);
    if (n == 0) {
        printf("(0 items)\n");
        return;
    }
    json_t *cols = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *k;
        json_t *v;
        json_object_foreach(it, k, v)
        {
            bool seen = false;
            size_t c;
            json_t *cn;
            json_array_foreach(cols, c, cn) if (strcmp(json_string_value(cn), k) == 0) seen = true;
            if (!seen)
                json_array_append_new(cols, json_string(k));
        }
    }
    size_t nc = json_array_size(cols);
    char ***cells = calloc(n, sizeof *cells);
    size_t *w = calloc(nc ? nc : 1, sizeof *w);
    if (!cells || !w) {
        free(cells);
        free(w);
        json_decref(cols);
        return;
    }
    for (size_t c = 0; c < nc; c++) {
        char *h = cell(json_string_value(json_array_get(cols, c)));
        w[c] = h ? width(h) : 0;
        free(h);
    }
    json_array_foreach(items, i, it)
    {
        cells[i] = calloc(nc ? nc : 1, sizeof **cells);
        for (size_t c = 0; cells[i] && c < nc; c++) {
            json_t *v = json_object_get(it, json_string_value(json_array_get(cols, c)));
            sbuf b = {0};
            if (v)
                render(&b, v, true);
            cells[i][c] = cell(b.p ? b.p : "");
            free(b.p);
            size_t cw = cells[i][c] ? width(cells[i][c]) : 0;
            if (cw > w[c])
                w[c] = cw;
        }
    }
    for (size_t c = 0; c < nc; c++) {
        char *h = cell(json_string_value(json_array_get(cols, c)));
        printf("%s%s", c ? " | " : "", h ? h : "");
        pad(w[c] - (h ? width(h) : 0));
        free(h);
    }
    printf("\n");
    for (size_t c = 0; c < nc; c++) {
        printf("%s", c ? "-+-" : "");
        for (size_t k = 0; k < w[c]; k++)
            putchar('-');
    }
    printf("\n");
    for (i = 0; i < n; i++) {
        for (size_t c = 0; cells[i] && c < nc; c++) {
            const char *s = cells[i][c] ? cells[i][c] : "";
            printf("%s%s", c ? " | " : "", s);
            if (c + 1 < nc)
                pad(w[c] - width(s));
            free(cells[i][c]);
        }
        printf("\n");
        free(cells[i]);
    }
    printf("(%zu item%s)\n", n, n == 1 ? "" : "s");
    free(cells);
    free(w);
    json_decref(cols);
}

/* ---- running -------------------------------------------------------------------------------- */

/* Runs one statement (all pages) and prints it.  0 or 1. */
static int run_one(cli_conn *c, const sql_opts *o, const char *stmt, json_t *params)
{
    json_t *all = json_array();
    json_t *token = NULL;
    err_t e = {0};
    int rc = 0, pages = 0;
    for (;;) {
        json_t *req = json_pack("{s:s}", "Statement", stmt);
        if (!req) {
            fprintf(stderr, "ddbchat: the statement is not valid UTF-8\n");
            rc = 1;
            break;
        }
        if (params && json_array_size(params))
            json_object_set(req, "Parameters", params);
        if (o->consistent)
            json_object_set_new(req, "ConsistentRead", json_true());
        if (token)
            json_object_set_new(req, "NextToken", token);
        token = NULL;
        json_t *resp = NULL;
        err_clear(&e);
        int r = msg_backend_call(c->backend, "ExecuteStatement", req, &resp, &e);
        json_decref(req);
        if (r) {
            if (r == ERR_TRANSPORT || r == ERR_FOREIGN) /* no DynamoDB type: unreachable, or
                                                         * the endpoint's own in the text */
                fprintf(stderr, "ddbchat: %s\n", e.msg);
            else
                fprintf(stderr, "ddbchat: %s: %s\n", err_type(r), e.msg);
            json_t *item = resp ? json_object_get(resp, "Item") : NULL;
            if (item) {
                char *d = json_dumps(item, JSON_COMPACT);
                fprintf(stderr, "  Item: %s\n", d ? d : "");
                free(d);
            }
            json_decref(resp);
            rc = 1;
            break;
        }
        json_array_extend(all, json_object_get(resp, "Items"));
        token = json_incref(json_object_get(resp, "NextToken"));
        json_decref(resp);
        if (!token || ++pages >= SQL_MAX_PAGES)
            break;
    }
    json_decref(token);
    if (!rc) {
        if (o->json) {
            json_t *out = json_pack("{s:O}", "Items", all);
            char *d = json_dumps(out, JSON_INDENT(2));
            printf("%s\n", d ? d : "{}");
            free(d);
            json_decref(out);
        } else if (items_readable(all)) {
            print_table(all);
        } else {
            rc = 1;
        }
    }
    json_decref(all);
    fflush(stdout);
    return rc;
}

/* A statement is complete at a ';' outside quotes (the ';' is dropped). */
static bool complete(const char *s, size_t *end)
{
    char q = 0;
    for (size_t i = 0; s[i]; i++) {
        if (q) {
            if (s[i] == q)
                q = 0;
        } else if (s[i] == '\'' || s[i] == '"') {
            q = s[i];
        } else if (s[i] == ';') {
            *end = i;
            return true;
        }
    }
    return false;
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

/* libedit's readline interface, opened by the prompt. */
static struct {
    void (*using_history)(void);
    int (*read_history)(const char *file);
    int (*write_history)(const char *file);
    char *(*readline)(const char *prompt);
    int (*add_history)(const char *line);
} el;

static bool el_load(void)
{
    const dynlib_sym syms[] = {
        {"using_history", &el.using_history}, {"read_history", &el.read_history},
        {"write_history", &el.write_history}, {"readline", &el.readline},
        {"add_history", &el.add_history},
    };
    char why[256];
    if (dynlib_open("libedit.so.2", syms, sizeof syms / sizeof syms[0], why, sizeof why)) {
        fprintf(stderr, "ddbchat sql: %s; no line editing or history\n", why);
        return false;
    }
    return true;
}

/* Statements from a prompt (with history) or from a pipe: each ends at a ';' outside quotes
 * (the last one may end at the end of the input). */
static int run_interactive(cli_conn *c, const sql_opts *o)
{
    bool tty = isatty(STDIN_FILENO);
    bool edit = tty && el_load();
    char hist[512] = "";
    const char *home = getenv("HOME");
    if (tty)
        printf("ddbchat sql: PartiQL statements end with ';'; \\q quits.\n");
    if (edit && home) {
        snprintf(hist, sizeof hist, "%s/%s", home, SQL_HISTORY);
        el.using_history();
        el.read_history(hist);
    }
    sbuf pending = {0};
    int failed = 0;
    for (;;) {
        char *line = NULL;
        if (edit) {
            line = el.readline(pending.n ? "      -> " : "ddbchat> ");
        } else {
            static char buf[SQL_LINE_MAX];
            if (tty) {
                fputs(pending.n ? "      -> " : "ddbchat> ", stdout);
                fflush(stdout);
            }
            if (fgets(buf, sizeof buf, stdin))
                line = strdup(buf);
        }
        if (!line)
            break;
        size_t ll = strlen(line);
        while (ll && (line[ll - 1] == '\n' || line[ll - 1] == '\r'))
            line[--ll] = 0;
        if (!pending.n && (strcmp(line, "\\q") == 0 || strcmp(line, "quit") == 0 ||
                           strcmp(line, "exit") == 0)) {
            free(line);
            break;
        }
        if (edit && !blank(line))
            el.add_history(line);
        if (pending.n)
            sb_str(&pending, "\n");
        sb_str(&pending, line);
        free(line);
        size_t end;
        while (pending.p && complete(pending.p, &end)) {
            pending.p[end] = 0;
            if (!blank(pending.p))
                failed |= run_one(c, o, pending.p, NULL);
            size_t rest = pending.n - end - 1;
            memmove(pending.p, pending.p + end + 1, rest + 1);
            pending.n = rest;
        }
    }
    if (pending.p && !blank(pending.p))
        failed |= run_one(c, o, pending.p, NULL);
    free(pending.p);
    if (edit && hist[0])
        el.write_history(hist);
    return failed;
}

int cli_sql(int argc, char **argv)
{
    sql_opts o;
    int prc = sql_parse(argc, argv, &o);
    if (prc || o.help) {
        json_decref(o.params);
        return sql_usage(!prc && o.help);
    }
    cli_conn c;
    if (sql_open(&c, &o)) {
        json_decref(o.params);
        return 1;
    }
    int rc = o.stmt ? run_one(&c, &o, o.stmt, o.params) : run_interactive(&c, &o);
    cli_conn_close(&c);
    json_decref(o.params);
    return rc;
}
