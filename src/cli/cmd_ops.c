/*
 * cmd_ops — the operating subcommands.  Layer: cli (wiring only: parse arguments, call ops/,
 * print).
 *
 *   backup DEST [--data-dir DIR]        hot copy of a data dir (ops/dirbackup.h)
 *   restore SRC [--data-dir DIR]        brings a backup back into a new or empty dir
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

#include "cli/cli.h"
#include "ops/dirbackup.h"

#define OPS_CLI_MAX_POS 8

typedef struct ops_cli {
    const char *data_dir;
    bool data_dir_given;
    bool json;
    bool help;
    const char *pos[OPS_CLI_MAX_POS];
    int n_pos;
} ops_cli;

static int ops_usage(const char *cmd, const char *synopsis, const char *more)
{
    fprintf(stderr,
            "usage: ddbchat %s %s\n"
            "options:\n"
            "%s"
            "  --json             machine-readable output\n",
            cmd, synopsis, more);
    return 2;
}

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
            o->help = true;
            continue;
        }
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        char name[64];
        if (eq) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - a), a);
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
            if (i + 1 >= argc) {
                fprintf(stderr, "ddbchat: %s needs a value\n", a);
                return 2;
            }
            val = argv[++i];
        }
        if (strcmp(name, "--data-dir") == 0) {
            o->data_dir = val;
            o->data_dir_given = true;
        } else {
            fprintf(stderr, "ddbchat: unknown option %s\n", name);
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
        return ops_usage("backup", "DEST [--data-dir DIR]",
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
        return ops_usage("restore", "SRC --data-dir DIR",
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
