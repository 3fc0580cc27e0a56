/*
 * cmd_ops — the operating subcommands.  Layer: cli (wiring only: parse arguments, call ops/,
 * print).
 *
 *   backup DEST [--data-dir DIR]        hot copy of a data dir (ops/dirbackup.h)
 *   restore SRC [--data-dir DIR]        brings a backup back into a new or empty dir
 *   export TABLE DIR                    DynamoDB's export-to-S3 format (ops/xport.h)
 *   import SRC TABLE [--create ...]     DynamoDB JSON lines, exports, CSV
 *   stats [--endpoint URL]              a running server's GET /metrics as tables
 *   doctor [--data-dir DIR] [--repair]  checks a data dir; --repair rebuilds indexes
 * export and import work on --data-dir DIR (embedded, default ./data; safe while a server
 * runs on it) or --endpoint URL [--region R] like every other command.
 *
 * --json prints one JSON object for scripts; otherwise a summary for people, with a progress
 * bar on stderr when it is a terminal.  Exit status: 0 ok, 1 failure, 2 usage error.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/conn.h"
#include "cli/text.h"
#include "ops/dirbackup.h"
#include "ops/doctor.h"
#include "ops/stats.h"
#include "ops/xport.h"
#include "store/store.h"

#define OPS_CLI_MAX_POS 8

typedef struct ops_cli {
    const char *data_dir;
    bool data_dir_given;
    const char *endpoint;
    const char *region;
    bool json;
    bool help;
    bool create;
    bool redo;             /* import --create --redo */
    bool repair;
    const char *key;       /* import --key pk:S[,sk:N] */
    const char *tcp;       /* import --table-creation-parameters JSON or @FILE */
    const char *format;    /* import --format auto|dynamodb-json|csv */
    const char *delimiter; /* import --csv-delimiter */
    const char *header;    /* import --csv-header a,b,c */
    const char *table;     /* doctor --table (the messaging table) */
    const char *pos[OPS_CLI_MAX_POS];
    int n_pos;
} ops_cli;

/* The usage text: on stdout with status 0 when --help asked for it, else on stderr with 2. */
static int ops_usage(const ops_cli *o, const char *cmd, const char *synopsis, const char *more)
{
    fprintf(o->help ? stdout : stderr,
            "usage: ddbchat %s %s\n"
            "options:\n"
            "%s"
            "  --json             machine-readable output\n",
            cmd, synopsis, more);
    return o->help ? 0 : 2;
}

/* The options that take a value (--name V or --name=V: cli_opt_value). */
static const char *const ops_value_opts[] = {"--data-dir", "--endpoint", "--region", "--key",
                                             "--table-creation-parameters", "--format",
                                             "--csv-delimiter", "--csv-header", "--table"};

/* Options anywhere among the positional arguments.  0 or 2. */
static int ops_parse(int argc, char **argv, ops_cli *o)
{
    memset(o, 0, sizeof *o);
    o->data_dir = "./data";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (o->n_pos >= OPS_CLI_MAX_POS)
                return 2;
            o->pos[o->n_pos++] = a;
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true; /* wins over whatever else is on the line */
            return 0;
        }
        if (strcmp(a, "--create") == 0) {
            o->create = true;
            continue;
        }
        if (strcmp(a, "--redo") == 0) {
            o->redo = true;
            continue;
        }
        if (strcmp(a, "--repair") == 0) {
            o->repair = true;
            continue;
        }
        const char *val;
        char name[CLI_OPT_NAME_MAX];
        if (cli_opt_value(argc, argv, &i, ops_value_opts,
                          sizeof ops_value_opts / sizeof ops_value_opts[0], name, &val))
            return 2;
        if (strcmp(name, "--data-dir") == 0) {
            o->data_dir = val;
            o->data_dir_given = true;
        } else if (strcmp(name, "--endpoint") == 0) {
            o->endpoint = val;
        } else if (strcmp(name, "--region") == 0) {
            o->region = val;
        } else if (strcmp(name, "--key") == 0) {
            o->key = val;
        } else if (strcmp(name, "--table-creation-parameters") == 0) {
            o->tcp = val;
        } else if (strcmp(name, "--format") == 0) {
            o->format = val;
        } else if (strcmp(name, "--csv-delimiter") == 0) {
            o->delimiter = val;
        } else if (strcmp(name, "--csv-header") == 0) {
            o->header = val;
        } else if (strcmp(name, "--table") == 0) {
            o->table = val;
        } else {
            cli_text_arg_error("ddbchat: unknown option ", name, "\n");
            return 2;
        }
    }
    return 0;
}

static int ops_fail(const ops_cli *o, const err_t *e)
{
    if (o->json) {
        json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code",
                              e->code == ERR_VALIDATION ? "invalid" : "failed", "message", e->msg);
        char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        fprintf(stderr, "%s\n", s ? s : "{}");
        free(s);
        json_decref(j);
    } else {
        fprintf(stderr, "ddbchat: %s\n", e->msg);
    }
    return 1;
}

static void ops_print_json(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(j);
}

/* ---- progress ------------------------------------------------------------------------------ */

typedef struct ops_bar {
    bool tty;
    time_t started;
    int last_pct;
    char last_phase[16];
} ops_bar;

static void ops_bar_init(ops_bar *b, bool enabled)
{
    memset(b, 0, sizeof *b);
    b->tty = enabled && isatty(STDERR_FILENO) == 1;
    b->started = time(NULL);
    b->last_pct = -1;
}

static void ops_human_bytes(uint64_t n, char *out, size_t cap)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(out, cap, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

/* Draws "phase [#####.....] 42% 1.2 MiB/3.0 MiB (3s)" on one terminal line; nothing when
 * stderr is not a terminal (the summary says it all). */
static void ops_bar_cb(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
    ops_bar *b = ctx;
    if (!b->tty)
        return;
    int pct = total ? (int)(done * 100 / total) : -1;
    if (pct > 100)
        pct = 100;
    bool same_phase = strcmp(phase, b->last_phase) == 0;
    if (same_phase && pct == b->last_pct && pct >= 0 && done != total)
        return;
    if (!same_phase && b->last_phase[0])
        fprintf(stderr, "\n");
    snprintf(b->last_phase, sizeof b->last_phase, "%s", phase);
    b->last_pct = pct;
    char d[32], t[32];
    ops_human_bytes(done, d, sizeof d);
    ops_human_bytes(total, t, sizeof t);
    long el = (long)(time(NULL) - b->started);
    if (pct < 0) {
        fprintf(stderr, "\r%-10s %s (%lds)\033[K", phase, d, el);
    } else {
        char bar[41];
        int fill = pct * 40 / 100;
        for (int i = 0; i < 40; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[40] = '\0';
        fprintf(stderr, "\r%-10s [%s] %3d%% %s/%s (%lds)\033[K", phase, bar, pct, d, t, el);
    }
    fflush(stderr);
}

static void ops_bar_end(ops_bar *b)
{
    if (b->tty && b->last_phase[0])
        fprintf(stderr, "\n");
}

/* ---- backup / restore ---------------------------------------------------------------------- */

int cli_backup(int argc, char **argv)
{
    ops_cli o;
    if (ops_parse(argc, argv, &o) || o.help || o.n_pos != 1)
        return ops_usage(&o, "backup", "DEST [--data-dir DIR]",
                         "  --data-dir DIR     the data dir to copy (default ./data); it may be in "
                         "use\n");
    ops_bar bar;
    ops_bar_init(&bar, !o.json);
    ops_dir_result r;
    err_t e = {0};
    int rc = ops_dir_backup(o.data_dir, o.pos[0], ops_bar_cb, &bar, &r, &e);
    ops_bar_end(&bar);
    if (rc)
        return ops_fail(&o, &e);
    if (o.json) {
        ops_print_json(json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I}", "backup", o.pos[0], "data_dir",
                                 o.data_dir, "created_at", r.created_at, "files",
                                 (json_int_t)r.files, "bytes", (json_int_t)r.bytes, "lmdb_bytes",
                                 (json_int_t)r.lmdb_bytes, "skipped", (json_int_t)r.skipped));
    } else {
        char b[32];
        ops_human_bytes(r.bytes, b, sizeof b);
        printf("backed up %s to %s at %s: %llu files, %s (LMDB snapshot %llu bytes)\n",
               o.data_dir, o.pos[0], r.created_at, (unsigned long long)r.files, b,
               (unsigned long long)r.lmdb_bytes);
        if (r.skipped)
            printf("skipped %llu entries that are not regular files or directories\n",
                   (unsigned long long)r.skipped);
    }
    return 0;
}

int cli_restore(int argc, char **argv)
{
    ops_cli o;
    if (ops_parse(argc, argv, &o) || o.help || o.n_pos != 1)
        return ops_usage(&o, "restore", "SRC --data-dir DIR",
                         "  --data-dir DIR     where to restore (default ./data); must not exist "
                         "or be empty\n");
    ops_bar bar;
    ops_bar_init(&bar, !o.json);
    ops_dir_result r;
    err_t e = {0};
    int rc = ops_dir_restore(o.pos[0], o.data_dir, ops_bar_cb, &bar, &r, &e);
    ops_bar_end(&bar);
    if (rc)
        return ops_fail(&o, &e);
    if (o.json) {
        ops_print_json(json_pack("{s:s,s:s,s:s,s:I,s:I}", "backup", o.pos[0], "data_dir",
                                 o.data_dir, "created_at", r.created_at, "files",
                                 (json_int_t)r.files, "bytes", (json_int_t)r.bytes));
    } else {
        char b[32];
        ops_human_bytes(r.bytes, b, sizeof b);
        printf("restored the backup of %s into %s: %llu files, %s\n", r.created_at, o.data_dir,
               (unsigned long long)r.files, b);
    }
    return 0;
}

/* ---- backends ----------------------------------------------------------------------------- */

static const char *const ops_conn_opts_help =
    "  --data-dir DIR     embedded engine data dir (default ./data)\n"
    "  --endpoint URL     a DynamoDB-compatible endpoint instead\n"
    "  --region REGION    region for --endpoint (default from the AWS config)\n";

/* ---- export / import ------------------------------------------------------------------------- */

int cli_export(int argc, char **argv)
{
    ops_cli o;
    if (ops_parse(argc, argv, &o) || o.help || o.n_pos != 2)
        return ops_usage(&o, "export", "TABLE DIR [--data-dir DIR | --endpoint URL]",
                         ops_conn_opts_help);
    err_t e = {0};
    cli_conn c;
    if (cli_conn_open(&c, o.data_dir, false, o.endpoint, o.region, &e))
        return ops_fail(&o, &e);
    ops_bar bar;
    ops_bar_init(&bar, !o.json);
    ops_export_opts xo = {.table = o.pos[0], .dir = o.pos[1], .backend = c.backend,
                          .store = c.store, .progress = ops_bar_cb, .pctx = &bar};
    ops_export_result r;
    int rc = ops_export(&xo, &r, &e);
    ops_bar_end(&bar);
    cli_conn_close(&c);
    if (rc)
        return ops_fail(&o, &e);
    if (o.json) {
        ops_print_json(json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:b}", "table", o.pos[0], "export_id",
                                 r.export_id, "export_dir", r.export_dir, "items",
                                 (json_int_t)r.items, "files", (json_int_t)r.files, "bytes",
                                 (json_int_t)r.bytes, "point_in_time", r.snapshot));
    } else {
        printf("exported %llu items of %s to %s (%llu data file%s)%s\n",
               (unsigned long long)r.items, o.pos[0], r.export_dir, (unsigned long long)r.files,
               r.files == 1 ? "" : "s", r.snapshot ? ", one point in time" : "");
    }
    return 0;
}

/* --key "pk:S[,sk:N]" -> {AttributeDefinitions, KeySchema}. */
static json_t *ops_key_params(const char *spec, err_t *e)
{
    json_t *ad = json_array(), *ks = json_array();
    char buf[600];
    snprintf(buf, sizeof buf, "%s", spec);
    int part = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), part++) {
        char *colon = strrchr(tok, ':');
        if (part > 1 || !colon || colon == tok ||
            (strcmp(colon + 1, "S") && strcmp(colon + 1, "N") && strcmp(colon + 1, "B"))) {
            json_decref(ad);
            json_decref(ks);
            err_set(e, ERR_VALIDATION, "--key wants NAME:TYPE[,NAME:TYPE] with TYPE S, N or B");
            return NULL;
        }
        *colon = '\0';
        json_array_append_new(ad, json_pack("{s:s,s:s}", "AttributeName", tok, "AttributeType",
                                            colon + 1));
        json_array_append_new(ks, json_pack("{s:s,s:s}", "AttributeName", tok, "KeyType",
                                            part ? "RANGE" : "HASH"));
    }
    if (part == 0) {
        json_decref(ad);
        json_decref(ks);
        err_set(e, ERR_VALIDATION, "--key wants NAME:TYPE[,NAME:TYPE]");
        return NULL;
    }
    return json_pack("{s:o,s:o}", "AttributeDefinitions", ad, "KeySchema", ks);
}

int cli_import(int argc, char **argv)
{
    ops_cli o;
    if (ops_parse(argc, argv, &o) || o.help || o.n_pos != 2)
        return ops_usage(&o, "import", "SRC TABLE [--create [--redo] [--key NAME:TYPE[,NAME:TYPE] |\n"
                      "       --table-creation-parameters JSON|@FILE]] [--format auto|dynamodb-json|csv]\n"
                      "       [--csv-delimiter C] [--csv-header A,B,...] [--data-dir DIR | --endpoint URL]",
            "  SRC                an export dir (DIR/AWSDynamoDB/<ExportId>), a dir of files, or a file\n"
            "  --create           create TABLE first (with its indexes when SRC is a ddbchat export)\n"
            "  --redo             with --create: drop TABLE even when the import that left it\n"
            "                     unfinished may still be running (another host, or alive)\n"

            "  --data-dir DIR     embedded engine data dir (default ./data)\n"
            "  --endpoint URL     a DynamoDB-compatible endpoint instead\n"
            "  --region REGION    region for --endpoint (default from the AWS config)\n"
            "exit status: 0 done; 1 failed or items refused; 2 usage; 3 every item is in, but\n"
            "the table still carries the tag ddbchat:import=unfinished (see the warning)\n");
    err_t e = {0};
    ops_import_opts io = {.src = o.pos[0], .table = o.pos[1], .create = o.create,
                          .redo = o.redo};
    json_t *creation = NULL, *header = NULL;
    int rc = 0;
    if (o.format) {
        if (!strcmp(o.format, "auto"))
            io.format = OPS_IMPORT_AUTO;
        else if (!strcmp(o.format, "dynamodb-json") || !strcmp(o.format, "DYNAMODB_JSON"))
            io.format = OPS_IMPORT_DYNAMODB_JSON;
        else if (!strcmp(o.format, "csv") || !strcmp(o.format, "CSV"))
            io.format = OPS_IMPORT_CSV;
        else {
            fprintf(stderr, "ddbchat: --format is auto, dynamodb-json or csv\n");
            return 2;
        }
    }
    if (o.delimiter) {
        if (strlen(o.delimiter) != 1 || o.delimiter[0] == '"' || o.delimiter[0] == '\n') {
            fprintf(stderr, "ddbchat: --csv-delimiter is one character\n");
            return 2;
        }
        io.csv_delimiter = o.delimiter[0];
    }
    if (o.header) {
        /* Refused before anything is written: a header cut short or with an empty name would
         * shift the columns, a name twice would keep one value of two (the file's own header
         * skips its file for that: ops_csv_header_repeat). */
        if (strlen(o.header) > 8192) {
            fprintf(stderr, "ddbchat: --csv-header is at most 8192 bytes\n");
            return 2;
        }
        header = json_array();
        for (const char *t = o.header;;) {
            const char *end = strchr(t, ',');
            size_t len = end ? (size_t)(end - t) : strlen(t);
            if (len == 0) {
                fprintf(stderr, "ddbchat: --csv-header has an empty column name\n");
                json_decref(header);
                return 2;
            }
            json_t *nm = json_stringn(t, len);
            if (!nm) {
                fprintf(stderr, "ddbchat: --csv-header is not UTF-8\n");
                json_decref(header);
                return 2;
            }
            if (json_array_append_new(header, nm)) {
                fprintf(stderr, "ddbchat: out of memory\n");
                json_decref(header);
                return 1;
            }
            if (!end)
                break;
            t = end + 1;
        }
        err_t he = {0};
        if (ops_csv_header_check(header, &he)) {
            fprintf(stderr, "ddbchat: --csv-header: %s\n", he.msg);
            json_decref(header);
            return 2;
        }
        io.csv_header = header;
    }
    if (o.redo && !o.create) {
        fprintf(stderr, "ddbchat: --redo goes with --create\n");
        json_decref(header);
        return 2;
    }
    if ((o.key || o.tcp) && !o.create) {
        fprintf(stderr, "ddbchat: --key and --table-creation-parameters go with --create\n");
        json_decref(header);
        return 2;
    }
    if (o.key && o.tcp) {
        fprintf(stderr, "ddbchat: give --key or --table-creation-parameters, not both\n");
        json_decref(header);
        return 2;
    }
    if (o.key && !(creation = ops_key_params(o.key, &e))) {
        json_decref(header);
        return ops_fail(&o, &e);
    }
    if (o.tcp) {
        json_error_t je;
        creation = o.tcp[0] == '@' ? json_load_file(o.tcp + 1, 0, &je) : json_loads(o.tcp, 0, &je);
        if (!json_is_object(creation)) {
            json_decref(creation);
            json_decref(header);
            err_set(&e, ERR_VALIDATION, "--table-creation-parameters: %s", je.text);
            return ops_fail(&o, &e);
        }
    }
    io.creation = creation;
    cli_conn c;
    if (cli_conn_open(&c, o.data_dir, true, o.endpoint, o.region, &e)) {
        json_decref(creation);
        json_decref(header);
        return ops_fail(&o, &e);
    }
    ops_bar bar;
    ops_bar_init(&bar, !o.json);
    io.backend = c.backend;
    io.progress = ops_bar_cb;
    io.pctx = &bar;
    ops_import_result r;
    rc = ops_import(&io, &r, &e);
    ops_bar_end(&bar);
    cli_conn_close(&c);
    json_decref(creation);
    json_decref(header);
    if (rc)
        return ops_fail(&o, &e);
    if (o.json) {
        json_t *errs = json_array();
        for (int i = 0; i < r.n_first_errors; i++)
            json_array_append_new(errs, json_string(r.first_errors[i]));
        ops_print_json(json_pack("{s:s,s:b,s:b,s:I,s:I,s:I,s:I,s:o,s:b}", "table", o.pos[1],
                                 "created", r.created, "redone", r.redone, "files", (json_int_t)r.files, "items",
                                 (json_int_t)r.items, "errors", (json_int_t)r.errors, "bytes",
                                 (json_int_t)r.bytes, "first_errors", errs, "mark_left",
                                 r.mark_left));
    } else {
        printf("imported %llu items into %s%s from %llu file%s", (unsigned long long)r.items,
               o.pos[1],
               r.redone    ? " (created again: it held an unfinished import)"
               : r.created ? " (created)"
                           : "", (unsigned long long)r.files,
               r.files == 1 ? "" : "s");
        if (r.errors)
            printf("; %llu refused", (unsigned long long)r.errors);
        printf("\n");
        for (int i = 0; i < r.n_first_errors; i++)
            fprintf(stderr, "  %s\n", r.first_errors[i]);
    }
    if (r.marked_done)
        fprintf(stderr, "ddbchat: warning: UntagResource was refused, so the table keeps the tag "
                        "ddbchat:import=done (not a mark: it may stay)\n");
    if (r.mark_left) {
        fprintf(stderr,
                "ddbchat: warning: every item is in %s, but its tag ddbchat:import=unfinished "
                "could not be taken off (%s); a later import --create of %s would take it for "
                "an import cut short and drop it.  Take the tag off with:\n"
                "  aws dynamodb untag-resource --resource-arn %s --tag-keys ddbchat:import\n",
                o.pos[1], r.mark_error, o.pos[1], r.table_arn[0] ? r.table_arn : "<TableArn>");
        return r.errors ? 1 : 3;
    }
    return r.errors ? 1 : 0;
}

/* ---- stats ----------------------------------------------------------------------------------- */

static void ops_ms(double ms, char *out, size_t cap)
{
    if (ms < 0)
        snprintf(out, cap, "slow");
    else if (ms < 10)
        snprintf(out, cap, "%.2f", ms);
    else
        snprintf(out, cap, "%.0f", ms);
}

int cli_stats(int argc, char **argv)
{
    ops_cli o;
    if (ops_parse(argc, argv, &o) || o.help || o.n_pos)
        return ops_usage(&o, "stats", "[--endpoint URL]",
                         "  --endpoint URL     a ddbchat DynamoDB endpoint (default "
                         "http://127.0.0.1:8000);\n"
                         "                     its GET /metrics is read\n");
    const char *ep = o.endpoint ? o.endpoint : "http://127.0.0.1:8000";
    char url[2048];
    size_t el = strlen(ep);
    while (el && ep[el - 1] == '/')
        el--;
    snprintf(url, sizeof url, "%.*s/metrics", (int)el, ep);
    err_t e = {0};
    char *text = NULL;
    if (ops_stats_fetch(url, &text, &e))
        return ops_fail(&o, &e);
    json_t *samples = ops_stats_parse(text, &e);
    free(text);
    if (!samples)
        return ops_fail(&o, &e);
    json_t *sum = ops_stats_summary(samples);
    json_decref(samples);
    if (o.json) {
        ops_print_json(sum);
        return 0;
    }
    printf("%-26s %10s %8s %9s %9s %9s\n", "operation", "requests", "errors", "avg ms",
           "p50 ms<=", "p99 ms<=");
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(sum, "operations"), k, v) {
        char a[16], p5[16], p9[16];
        ops_ms(json_real_value(json_object_get(v, "avg_ms")), a, sizeof a);
        ops_ms(json_real_value(json_object_get(v, "p50_ms")), p5, sizeof p5);
        ops_ms(json_real_value(json_object_get(v, "p99_ms")), p9, sizeof p9);
        printf("%-26s %10lld %8lld %9s %9s %9s\n", k,
               (long long)json_integer_value(json_object_get(v, "requests")),
               (long long)json_integer_value(json_object_get(v, "errors")), a, p5, p9);
    }
    json_t *cap = json_object_get(sum, "capacity");
    if (json_object_size(cap)) {
        printf("\n%-40s %12s %12s\n", "table", "read CU", "write CU");
        json_object_foreach(cap, k, v)
            printf("%-40s %12.1f %12.1f\n", k, json_real_value(json_object_get(v, "read")),
                   json_real_value(json_object_get(v, "write")));
    }
    json_t *gc = json_object_get(sum, "group_commit"), *lm = json_object_get(sum, "lmdb");
    json_t *http = json_object_get(sum, "http");
    char map[32], used[32], file[32], s99[16], savg[16];
    ops_human_bytes((uint64_t)json_integer_value(json_object_get(lm, "map_bytes")), map,
                    sizeof map);
    ops_human_bytes((uint64_t)json_integer_value(json_object_get(lm, "used_bytes")), used,
                    sizeof used);
    ops_human_bytes((uint64_t)json_integer_value(json_object_get(lm, "file_bytes")), file,
                    sizeof file);
    ops_ms(json_real_value(json_object_get(gc, "sync_avg_ms")), savg, sizeof savg);
    ops_ms(json_real_value(json_object_get(gc, "sync_p99_ms")), s99, sizeof s99);
    printf("\ngroup commit  %lld rounds, %lld writes (%.1f per round); %lld syncs, avg %s ms, "
           "p99 <= %s ms\n",
           (long long)json_integer_value(json_object_get(gc, "rounds")),
           (long long)json_integer_value(json_object_get(gc, "writes")),
           json_real_value(json_object_get(gc, "writes_per_round")),
           (long long)json_integer_value(json_object_get(gc, "syncs")), savg, s99);
    printf("LMDB          map %s, used %s, file %s, readers %lld/%lld, last txn %lld\n", map,
           used, file, (long long)json_integer_value(json_object_get(lm, "readers_used")),
           (long long)json_integer_value(json_object_get(lm, "readers_max")),
           (long long)json_integer_value(json_object_get(lm, "last_txn_id")));
    json_t *cn = json_object_get(http, "connections");
    printf("server        %lld tables; connections: dynamodb %lld, rest %lld; in flight %lld\n",
           (long long)json_integer_value(json_object_get(sum, "tables")),
           (long long)json_integer_value(json_object_get(cn, "dynamodb")),
           (long long)json_integer_value(json_object_get(cn, "rest")),
           (long long)json_integer_value(json_object_get(http, "in_flight")));
    json_decref(sum);
    return 0;
}

/* ---- doctor ---------------------------------------------------------------------------------- */

typedef struct ops_doc_out {
    bool json;
    json_t *lines;
} ops_doc_out;

static void ops_doc_line(void *ctx, const char *kind, const char *where, const char *what)
{
    ops_doc_out *d = ctx;
    if (d->json)
        json_array_append_new(d->lines, json_pack("{s:s,s:s,s:s}", "kind", kind, "where", where,
                                                  "what", what));
    else
        printf("%-9s %s: %s\n", kind, where, what);
}

int cli_doctor(int argc, char **argv)
{
    ops_cli o;
    if (ops_parse(argc, argv, &o) || o.help || o.n_pos)
        return ops_usage(&o, "doctor", "[--data-dir DIR] [--repair] [--table NAME]",
                         "  --data-dir DIR     the data dir to check (default ./data); read-only\n"
                         "                     unless --repair, so a server may be running\n"
                         "  --repair           rebuild every index (and counter) found wrong\n"
                         "  --table NAME       the messaging table (default cruddur-messages)\n");
    ops_doc_out out = {.json = o.json, .lines = o.json ? json_array() : NULL};
    ops_doctor_opts d = {.data_dir = o.data_dir, .messaging_table = o.table, .repair = o.repair,
                         .report = ops_doc_line, .ctx = &out};
    ops_doctor_result r;
    err_t e = {0};
    int rc = ops_doctor(&d, &r, &e);
    if (rc) {
        json_decref(out.lines);
        return ops_fail(&o, &e);
    }
    if (o.json) {
        ops_print_json(json_pack(
            "{s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:I,s:I,s:o}", "data_dir", o.data_dir,
            "healthy", r.problems == 0, "problems", (json_int_t)r.problems, "found",
            (json_int_t)r.found, "repaired", (json_int_t)r.repaired, "format_version",
            (json_int_t)r.format_version, "tables", (json_int_t)r.tables, "indexes",
            (json_int_t)r.indexes, "items", (json_int_t)r.items, "index_entries",
            (json_int_t)r.index_entries, "messaging_checked", r.messaging_checked,
            "messaging_rows", (json_int_t)r.messaging_rows, "backups", (json_int_t)r.backups,
            "report", out.lines));
    } else {
        printf("%s: format %u, %llu tables, %llu indexes, %llu items, %llu index entries",
               o.data_dir, r.format_version, (unsigned long long)r.tables,
               (unsigned long long)r.indexes, (unsigned long long)r.items,
               (unsigned long long)r.index_entries);
        if (r.messaging_checked)
            printf(", %llu messaging rows", (unsigned long long)r.messaging_rows);
        printf(", %llu backups\n", (unsigned long long)r.backups);
        if (r.problems == 0)
            printf(r.repaired ? "healthy after %llu repairs\n" : "healthy\n",
                   (unsigned long long)r.repaired);
        else
            printf("%llu problem%s%s\n", (unsigned long long)r.problems,
                   r.problems == 1 ? "" : "s",
                   o.repair ? "" : " (--repair rebuilds wrong indexes and counters)");
    }
    return r.problems ? 1 : 0;
}
