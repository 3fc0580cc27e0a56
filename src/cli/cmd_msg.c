/*
 * cmd_msg — the messaging subcommands (mirror Cruddur's bin/ddb scripts).  Layer: cli (wiring
 * only: parse arguments, open a backend, call messaging/, print).
 *
 *   schema-load | seed [--users N --conversations N --messages N --threads N --no-demo] |
 *   list-tables |
 *   scan | drop | get-conversation <message_group_uuid> | list-conversations <handle> |
 *   send <from-handle> <to-handle|message_group_uuid> <text...> |
 *   mark-read <handle> <message_group_uuid> [<time>] |
 *   delete-message <handle> <message_group_uuid> <created_at> |
 *   user add <handle> <display name...> [--uuid U] | user show <handle> | user fold
 *   | token <handle>
 *
 * Every command takes --data-dir DIR (embedded engine, default ./data; safe while `ddbchat
 * serve` runs on the same dir: LMDB is multi-process safe, and the store is opened without
 * the TTL thread), or --endpoint URL [--region R] (a remote DynamoDB-compatible endpoint,
 * credentials from the AWS environment/config), --table NAME, and --json for scripts.
 * Exit status: 0 ok, 1 failure, 2 usage error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/conn.h"
#include "cli/text.h"
#include "messaging/auth.h"
#include "messaging/backend_remote.h"
#include "messaging/service.h"
#include "store/store.h"

#define CLI_MAX_POS 64

typedef struct cli_opts {
    const char *data_dir;
    const char *endpoint;
    const char *region;
    const char *table;
    const char *jwt_secret_file;
    const char *uuid;
    const char *cursor;
    const char *after; /* --after T: page forward (msg_list_*_after) */
    bool json;
    bool help;
    bool no_demo;
    bool all;
    bool limit_given; /* --limit was given (0 is then a value, not "the default") */
    bool create;      /* the command may make the data dir (schema-load, seed) */
    long users, conversations, messages, limit, ttl, threads;
    const char *pos[CLI_MAX_POS];
    int n_pos;
} cli_opts;

typedef struct cli_ctx {
    cli_conn conn;
    msg_service *svc;
} cli_ctx;

/* The usage text: on stdout with status 0 when --help asked for it, else on stderr with 2. */
static int usage(const cli_opts *o, const char *cmd, const char *synopsis)
{
    fprintf(o->help ? stdout : stderr,
            "usage: ddbchat %s %s\n"
            "common options:\n"
            "  --data-dir DIR     embedded engine data dir (default ./data)\n"
            "  --endpoint URL     use a remote DynamoDB-compatible endpoint instead\n"
            "  --region REGION    region for --endpoint (default from the AWS config)\n"
            "  --table NAME       messaging table (default " MSG_TABLE_DEFAULT ")\n"
            "  --json             machine-readable output\n",
            cmd, synopsis);
    return o->help ? 0 : 2;
}

/* The options that take a value (--name V or --name=V: cli_opt_value). */
static const char *const value_opts[] = {
    "--data-dir", "--endpoint", "--region", "--table", "--jwt-secret-file", "--uuid",
    "--cursor", "--after", "--users", "--conversations", "--messages", "--limit", "--ttl",
    "--threads"};

static bool parse_long(const char *s, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0)
        return false;
    *out = v;
    return true;
}

/* The options every messaging command takes; any other is taken only by the commands that
 * name it in their `takes` (parse), else it is an unknown option, as for any name: `ddbchat
 * send --limit 5` was accepted and did nothing (test_serve.py
 * test_an_option_of_another_command_is_unknown). */
static const char *const common_opts[] = {"--data-dir", "--endpoint", "--region", "--table",
                                          "--json"};

/* The options a command takes besides common_opts (parse): TAKES("--limit", "--cursor"), or
 * TAKES_NONE. */
typedef struct takes {
    const char *const *names;
    size_t n;
} takes;
#define TAKES(...)                                                                                 \
    ((takes){(const char *const[]){__VA_ARGS__},                                                   \
             sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)})
#define TAKES_NONE ((takes){NULL, 0})

/* An option the command does not take: the usage error of an unknown one.  2. */
static int not_taken(const char *name, takes t)
{
    if (cli_opt_listed(name, common_opts, sizeof common_opts / sizeof common_opts[0]) ||
        cli_opt_listed(name, t.names, t.n))
        return 0;
    cli_text_arg_error("ddbchat: unknown option ", name, "\n");
    return 2;
}

/* Parses options anywhere among the positional arguments: the common ones and those of
 * t.  0 or 2 (usage). */
static int parse(int argc, char **argv, takes t, cli_opts *o)
{
    memset(o, 0, sizeof *o);
    o->data_dir = "./data";
    o->ttl = -1; /* token: no --ttl, the server's maximum lifetime */
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
            if (o->n_pos >= CLI_MAX_POS)
                return 2;
            o->pos[o->n_pos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (strcmp(a, "--json") == 0) { o->json = true; continue; }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true; /* wins over whatever else is on the line */
            return 0;
        }
        if (strcmp(a, "--no-demo") == 0 || strcmp(a, "--all") == 0) {
            if (not_taken(a, t))
                return 2;
            if (strcmp(a, "--all") == 0)
                o->all = true;
            else
                o->no_demo = true;
            continue;
        }
        const char *val;
        char name[CLI_OPT_NAME_MAX];
        if (cli_opt_value(argc, argv, &i, value_opts, sizeof value_opts / sizeof value_opts[0],
                          name, &val) ||
            not_taken(name, t))
            return 2;
        long *num = NULL;
        if (strcmp(name, "--data-dir") == 0) o->data_dir = val;
        else if (strcmp(name, "--endpoint") == 0) o->endpoint = val;
        else if (strcmp(name, "--region") == 0) o->region = val;
        else if (strcmp(name, "--table") == 0) o->table = val;
        else if (strcmp(name, "--jwt-secret-file") == 0) o->jwt_secret_file = val;
        else if (strcmp(name, "--uuid") == 0) o->uuid = val;
        else if (strcmp(name, "--cursor") == 0) o->cursor = val;
        else if (strcmp(name, "--after") == 0) o->after = val;
        else if (strcmp(name, "--users") == 0) num = &o->users;
        else if (strcmp(name, "--conversations") == 0) num = &o->conversations;
        else if (strcmp(name, "--messages") == 0) num = &o->messages;
        else if (strcmp(name, "--limit") == 0) { num = &o->limit; o->limit_given = true; }
        else if (strcmp(name, "--ttl") == 0) num = &o->ttl;
        else if (strcmp(name, "--threads") == 0) num = &o->threads;
        else {
            cli_text_arg_error("ddbchat: unknown option ", name, "\n");
            return 2;
        }
        if (num && !parse_long(val, num)) {
            cli_text_arg_error("ddbchat: ", name, " needs a non-negative integer\n");
            return 2;
        }
    }
    return 0;
}

static void ctx_close(cli_ctx *c)
{
    msg_service_free(c->svc);
    cli_conn_close(&c->conn);
}

/* Opens the backend the options name: the embedded engine on --data-dir, or --endpoint. */
static int ctx_open(cli_ctx *c, const cli_opts *o)
{
    memset(c, 0, sizeof *c);
    err_t e = {0};
    if (cli_conn_open(&c->conn, o->data_dir, o->create, o->endpoint, o->region, &e))
        goto fail;
    msg_config mc;
    msg_config_default(&mc);
    if (o->table)
        mc.table = o->table;
    if (msg_service_new(c->conn.backend, &mc, &c->svc, &e))
        goto fail;
    return 0;
fail:
    fprintf(stderr, "ddbchat: %s\n", e.msg);
    ctx_close(c);
    return 1;
}

/* ctx_open for the commands that write users and messages: with --endpoint, first checks
 * that the endpoint implements what the writes need (TransactWriteItems), so that e.g.
 * dynalite or ScyllaDB Alternator are refused with the missing operation's name. */
static int ctx_open_writer(cli_ctx *c, const cli_opts *o)
{
    if (ctx_open(c, o))
        return 1;
    err_t e = {0};
    if (!o->endpoint || msg_backend_remote_check(c->conn.backend, &e) == 0)
        return 0;
    fprintf(stderr, "ddbchat: %s\n", e.msg);
    ctx_close(c);
    return 1;
}

/* A raw backend failure (list-tables, scan) as the messaging service reports its own:
 * row storage, message "<DynamoDB type>: <message>", so the type is never lost. */
static void storage_err(err_t *e, int rc)
{
    err_t in = *e;
    err_clear(e); /* err_set is sticky */
    /* no DynamoDB type: the endpoint never answered, or answered with a type of its own
     * (ERR_FOREIGN, whose text starts with it) */
    if (rc == ERR_TRANSPORT || rc == ERR_FOREIGN)
        msg_fail_rc(e, MSG_E_STORAGE, rc, "%s", in.msg);
    else
        msg_fail_rc(e, MSG_E_STORAGE, rc, "%s: %s", err_type(rc), in.msg);
}

/* Prints a failure as the REST API words it: "ddbchat: <code>: <message>", or with --json
 * {"error":{"code","message"}} (the same code and message a REST reply carries). */
static int fail_err(const cli_opts *o, const err_t *e)
{
    msg_errc c = msg_err_of(e);
    const char *m = e->msg[0] ? e->msg : msg_err_text(c);
    if (o->json) {
        json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", msg_err_code(c), "message", m);
        char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        fprintf(stderr, "%s\n", s ? s : "{\"error\":{\"code\":\"internal\"}}");
        free(s);
        json_decref(j);
    } else {
        fprintf(stderr, "ddbchat: %s: %s\n", msg_err_code(c), m);
    }
    return 1;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY);
    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(j);
}

/* ---- schema-load / drop / list-tables / scan -------------------------------------------- */

int cli_schema_load(int argc, char **argv)
{
    cli_opts o;
    if (parse(argc, argv, TAKES_NONE, &o) || o.help || o.n_pos)
        return usage(&o, "schema-load", "[options]");
    o.create = true;
    cli_ctx c;
    if (ctx_open(&c, &o))
        return 1;
    err_t e = {0};
    int rc = msg_schema_load(c.svc, &e);
    if (!rc) {
        if (o.json)
            print_json(json_pack("{s:s,s:b}", "table", msg_service_table(c.svc), "created", 1));
        else
            printf("created table %s (pk S HASH, sk S RANGE; GSI " MSG_GSI_NAME
                   ": message_group_uuid HASH, sk RANGE)\n",
                   msg_service_table(c.svc));
    }
    ctx_close(&c);
    return rc ? fail_err(&o, &e) : 0;
}

int cli_drop(int argc, char **argv)
{
    cli_opts o;
    if (parse(argc, argv, TAKES_NONE, &o) || o.help || o.n_pos)
        return usage(&o, "drop", "[options]");
    cli_ctx c;
    if (ctx_open(&c, &o))
        return 1;
    err_t e = {0};
    int rc = msg_schema_drop(c.svc, &e);
    if (!rc) {
        if (o.json)
            print_json(json_pack("{s:s,s:b}", "table", msg_service_table(c.svc), "dropped", 1));
        else
            printf("dropped table %s\n", msg_service_table(c.svc));
    }
    ctx_close(&c);
    return rc ? fail_err(&o, &e) : 0;
}

int cli_list_tables(int argc, char **argv)
{
    cli_opts o;
    if (parse(argc, argv, TAKES_NONE, &o) || o.help || o.n_pos)
        return usage(&o, "list-tables", "[options]");
    cli_ctx c;
    if (ctx_open(&c, &o))
        return 1;
    err_t e = {0};
    int rc = 0;
    json_t *names = json_array();
    json_t *start = NULL;
    for (;;) {
        json_t *req = json_object();
        if (start)
            json_object_set_new(req, "ExclusiveStartTableName", start);
        json_t *resp = NULL;
        rc = msg_backend_call(c.conn.backend, "ListTables", req, &resp, &e);
        json_decref(req);
        if (rc) {
            storage_err(&e, rc);
            json_decref(resp);
            break;
        }
        json_array_extend(names, json_object_get(resp, "TableNames"));
        start = json_incref(json_object_get(resp, "LastEvaluatedTableName"));
        json_decref(resp);
        if (!start)
            break;
    }
    if (!rc) {
        if (o.json) {
            print_json(json_incref(names));
        } else {
            size_t i;
            json_t *n;
            json_array_foreach(names, i, n) /* a name that is no string: an endpoint's fault */
                printf("%s\n", json_string_value(n) ? json_string_value(n) : "?");
        }
    }
    json_decref(names);
    ctx_close(&c);
    return rc ? fail_err(&o, &e) : 0;
}

/* User text (a message, a display name, a stored string) on one line of the human output:
 * escaped by the CLI's one rule (text.h). */
static void print_text(const char *s)
{
    cli_text_print(stdout, s);
}

/* One attribute value for humans: S and N raw, everything else as DynamoDB JSON. */
static void print_value(json_t *v)
{
    const char *s = json_string_value(json_object_get(v, "S"));
    if (!s)
        s = json_string_value(json_object_get(v, "N"));
    if (s) {
        print_text(s);
        return;
    }
    char *d = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    printf("%s", d ? d : "?");
    free(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int cli_scan(int argc, char **argv)
{
    cli_opts o;
    if (parse(argc, argv, TAKES_NONE, &o) || o.help || o.n_pos > 1)
        return usage(&o, "scan", "[TABLE] [options]");
    cli_ctx c;
    if (ctx_open(&c, &o))
        return 1;
    const char *table = o.n_pos ? o.pos[0] : msg_service_table(c.svc);
    err_t e = {0};
    int rc = 0;
    json_t *all = o.json ? json_array() : NULL, *start = NULL;
    long count = 0;
    for (;;) {
        json_t *req = json_pack("{s:s}", "TableName", table);
        if (start)
            json_object_set_new(req, "ExclusiveStartKey", start);
        json_t *resp = NULL;
        rc = msg_backend_call(c.conn.backend, "Scan", req, &resp, &e);
        json_decref(req);
        if (rc) {
            storage_err(&e, rc);
            json_decref(resp);
            break;
        }
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(resp, "Items"), i, it) {
            count++;
            if (all) {
                json_array_append(all, it);
                continue;
            }
            /* pk and sk first, then the rest in name order */
            json_t *pk = json_object_get(it, "pk"), *sk = json_object_get(it, "sk");
            if (pk) { print_value(pk); printf("  "); }
            if (sk) { print_value(sk); }
            const char *k;
            json_t *v;
            const char **names = calloc(json_object_size(it) + 1, sizeof *names);
            size_t n = 0;
            if (names)
                json_object_foreach(it, k, v) if (strcmp(k, "pk") && strcmp(k, "sk")) names[n++] = k;
            qsort(names, n, sizeof *names, cmp_str);
            for (size_t a = 0; a < n; a++) {
                printf("  %s=", names[a]);
                print_value(json_object_get(it, names[a]));
            }
            printf("\n");
            free(names);
        }
        start = json_incref(json_object_get(resp, "LastEvaluatedKey"));
        json_decref(resp);
        if (!start)
            break;
    }
    if (!rc) {
        if (all)
            print_json(json_incref(all));
        else
            fprintf(stderr, "%ld items\n", count);
    }
    json_decref(all);
    ctx_close(&c);
    return rc ? fail_err(&o, &e) : 0;
}

/* ---- seed -------------------------------------------------------------------------------- */

typedef struct progress {
    int last_pct;
    time_t started;
    bool tty; /* redraw one line; else a line per 10% */
} progress;

static void progress_cb(void *ctx, long done, long total)
{
    progress *p = ctx;
    if (total <= 0)
        return;
    int pct = (int)(done * 100 / total);
    if (pct == p->last_pct && done != total)
        return;
    if (!p->tty) {
        if (pct / 10 != p->last_pct / 10 || done == total)
            fprintf(stderr, "seeding %3d%% %ld/%ld (%lds)\n", pct, done, total,
                    (long)(time(NULL) - p->started));
        p->last_pct = pct;
        return;
    }
    p->last_pct = pct;
    char bar[41];
    int fill = pct * 40 / 100;
    for (int i = 0; i < 40; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[40] = 0;
    long el = (long)(time(NULL) - p->started);
    fprintf(stderr, "\rseeding [%s] %3d%% %ld/%ld (%lds)", bar, pct, done, total, el);
    if (done == total)
        fprintf(stderr, "\n");
    fflush(stderr);
}

int cli_seed(int argc, char **argv)
{
    cli_opts o;
    if (parse(argc, argv,
              TAKES("--users", "--conversations", "--messages", "--threads", "--no-demo"), &o) ||
        o.help || o.n_pos)
        return usage(&o, "seed", "[--users N --conversations N --messages N (per conversation)]\n"
                             "       [--threads N (writers, default 8)] [--no-demo] [options]");
    if (o.users > 10000000 || o.conversations > 100000000 || o.messages > 1000000) {
        fprintf(stderr, "ddbchat: seed sizes too large\n");
        return 2;
    }
    if (o.conversations && o.users < 2) {
        fprintf(stderr, "ddbchat: --conversations needs --users 2 or more\n");
        return 2;
    }
    o.create = true;
    cli_ctx c;
    if (ctx_open_writer(&c, &o))
        return 1;
    err_t e = {0};
    bool exists = false;
    int rc = msg_schema_exists(c.svc, &exists, &e);
    if (!rc && !exists) {
        rc = msg_schema_load(c.svc, &e);
        if (!rc && !o.json)
            printf("created table %s\n", msg_service_table(c.svc));
    }
    progress p = {.last_pct = -1, .started = time(NULL), .tty = isatty(2) == 1};
    msg_seed_opts so = {.demo = !o.no_demo, .users = (int)o.users,
                        .conversations = (int)o.conversations, .messages = (int)o.messages,
                        .seed = 42, .threads = (int)o.threads, .progress = o.users > 0 ? progress_cb : NULL,
                        .progress_ctx = &p};
    if (!rc)
        rc = msg_seed(c.svc, &so, &e);
    if (!rc) {
        if (o.json)
            print_json(json_pack("{s:s,s:b,s:i,s:i,s:i}", "table", msg_service_table(c.svc),
                                 "demo", !o.no_demo, "users", (int)o.users, "conversations",
                                 (int)o.conversations, "messages", (int)o.messages));
        else
            printf("seeded %s%s", o.no_demo ? "" : "the demo users (@" MSG_DEMO_HANDLE
                                                    ", @bayko, @londo) and conversations",
                   o.users ? "" : "\n");
        if (!o.json && o.users)
            printf("%s%ld synthetic users, %ld conversations x %ld messages\n",
                   o.no_demo ? "" : "; ", o.users, o.conversations,
                   o.conversations ? (o.messages ? o.messages : 1) : 0);
    }
    ctx_close(&c);
    return rc ? fail_err(&o, &e) : 0;
}

/* ---- patterns ---------------------------------------------------------------------------- */

static json_t *message_json(const msg_message *m)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "uuid", m->uuid, "message_group_uuid",
                     m->message_group_uuid, "user_uuid", m->sender.uuid, "display_name",
                     m->sender.display_name, "handle", m->sender.handle, "message", m->message,
                     "created_at", m->created_at);
}

/* The page size to ask for: 0 (the service's default) when --limit was not given; a value
 * the service refuses (bad_limit, as the REST API's ?limit=) for --limit 0 or one past an
 * int.  (long)4294967297 cast to int was 1 and 4294967296 was 0 = the default: a wrong page
 * size silently, where the service's range is 1..100;
 * test_messaging.py::test_cli_limit_out_of_range_is_refused) */
/* A usage error that the synopsis does not explain: its reason on stderr, exit 2. */
static int fail_usage(const char *why)
{
    fprintf(stderr, "ddbchat: %s\n", why);
    return 2;
}

static int page_limit(const cli_opts *o)
{
    if (!o->limit_given)
        return 0;
    return o->limit >= 1 && o->limit <= MSG_PAGE_MAX ? (int)o->limit : -1;
}

int cli_get_conversation(int argc, char **argv)
{
    cli_opts o;
    if (parse(argc, argv, TAKES("--limit", "--cursor", "--after", "--all"), &o) || o.help ||
        o.n_pos != 1)
        return usage(&o, "get-conversation", "<message_group_uuid> [--limit N] [--cursor C | "
                                         "--after T] [--all] [options]");
    if (o.cursor && o.after) /* REST's invalid_field, in its words */
        return fail_usage("--cursor (older pages) or --after (newer ones), not both");
    cli_ctx c;
    if (ctx_open(&c, &o))
        return 1;
    err_t e = {0};
    int rc = 0;
    const char *from = o.after ? o.after : o.cursor;
    char *cursor = from ? strdup(from) : NULL;
    json_t *all = json_array();
    char *next = NULL;
    /* pages come newest first; collect them newest first (forward pages, --after, come in
     * the other order: each is put before the ones read), then print oldest -> newest */
    do {
        msg_message_page p;
        rc = o.after ? msg_list_messages_after(c.svc, NULL, o.pos[0], page_limit(&o), cursor, &p,
                                               &e)
                     : msg_list_messages(c.svc, NULL, o.pos[0], page_limit(&o), cursor, &p, &e);
        if (rc)
            break;
        for (size_t i = 0; i < p.n; i++) {
            if (o.after)
                json_array_insert_new(all, i, message_json(&p.items[i]));
            else
                json_array_append_new(all, message_json(&p.items[i]));
        }
        free(cursor);
        cursor = p.next_cursor ? strdup(p.next_cursor) : NULL;
        msg_message_page_free(&p);
    } while (o.all && cursor);
    next = cursor;
    if (!rc && json_array_size(all) == 0 && !from) {
        rc = msg_failf(&e, MSG_E_NOT_FOUND, "no messages in conversation %s", o.pos[0]);
    }
    if (!rc) {
        size_t n = json_array_size(all);
        if (o.json) {
            json_t *rev = json_array();
            for (size_t i = n; i-- > 0;)
                json_array_append(rev, json_array_get(all, i));
            print_json(json_pack("{s:o,s:s?}", "messages", rev,
                                 o.after ? "next_after" : "next_cursor", next));
        } else {
            for (size_t i = n; i-- > 0;) {
                json_t *m = json_array_get(all, i);
                printf("%s  ", json_string_value(json_object_get(m, "created_at")));
                print_text(json_string_value(json_object_get(m, "display_name")));
                printf(" (@%s): ", json_string_value(json_object_get(m, "handle")));
                print_text(json_string_value(json_object_get(m, "message")));
                putchar('\n');
            }
            if (next && o.after)
                printf("-- newer messages: --after %s (or --all)\n", next);
            else if (next)
                printf("-- older messages: --cursor %s (or --all)\n", next);
        }
    }
    free(next);
    json_decref(all);
    ctx_close(&c);
    return rc ? fail_err(&o, &e) : 0;
}

int cli_list_conversations(int argc, char **argv)
{
    cli_opts o;
    if (parse(argc, argv, TAKES("--limit", "--cursor", "--after"), &o) || o.help ||
        o.n_pos != 1)
        return usage(&o, "list-conversations",
                     "<handle> [--limit N] [--cursor C | --after T] [options]");
    if (o.cursor && o.after) /* REST's invalid_field, in its words */
        return fail_usage("--cursor (older pages) or --after (newer ones), not both");
    cli_ctx c;
    if (ctx_open(&c, &o))
        return 1;
    err_t e = {0};
    msg_user u;
    msg_conversation_page p = {0};
    int rc = msg_user_by_handle(c.svc, o.pos[0], &u, &e);
    if (!rc)
        rc = o.after ? msg_list_conversations_after(c.svc, u.uuid, page_limit(&o), o.after, &p, &e)
                     : msg_list_conversations(c.svc, u.uuid, page_limit(&o), o.cursor, &p, &e);
    if (!rc) {
        if (o.json) {
            json_t *arr = json_array();
            for (size_t i = 0; i < p.n; i++) {
                const msg_conversation *cv = &p.items[i];
                json_array_append_new(
                    arr, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s?,s:I}", "uuid",
                                   cv->message_group_uuid, "user_uuid", cv->other.uuid,
                                   "display_name", cv->other.display_name, "handle",
                                   cv->other.handle, "message", cv->message, "created_at",
                                   cv->last_message_at, "read_to",
                                   cv->read_to[0] ? cv->read_to : NULL, "unread",
                                   (json_int_t)cv->unread));
            }
            print_json(json_pack("{s:o,s:s?}", "conversations", arr,
                                 o.after ? "next_after" : "next_cursor", p.next_cursor));
        } else {
            for (size_t i = 0; i < p.n; i++) {
                const msg_conversation *cv = &p.items[i];
                printf("%s  %s  ", cv->message_group_uuid, cv->last_message_at);
                if (cv->unread) /* the user's unread messages of it (msg_mark_read) */
                    printf("[%lld unread]  ", cv->unread);
                print_text(cv->other.display_name);
                printf(" (@%s): ", cv->other.handle);
                print_text(cv->message);
                putchar('\n');
            }
            if (p.n == 0)
                printf("(no conversations)\n");
            if (p.next_cursor)
                printf("-- more: --%s %s\n", o.after ? "after" : "cursor", p.next_cursor);
        }
    }
    msg_conversation_page_free(&p);
    ctx_close(&c);
    return rc ? fail_err(&o, &e) : 0;
}

static bool looks_like_uuid(const char *s)
{
    if (strlen(s) != MSG_UUID_LEN)
        return false;
    for (int i = 0; i < MSG_UUID_LEN; i++) {
        char ch = s[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? ch != '-' : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
                                 (ch >= 'A' && ch <= 'F')))
            return false;
    }
    return true;
}

/* Joins pos[from..] with single spaces (malloc'ed). */
static char *join(const cli_opts *o, int from)
{
    size_t n = 1;
    for (int i = from; i < o->n_pos; i++)
        n += strlen(o->pos[i]) + 1;
    char *s = malloc(n);
    if (!s)
        return NULL;
    size_t k = 0;
    for (int i = from; i < o->n_pos; i++) {
        size_t l = strlen(o->pos[i]);
        if (i > from)
            s[k++] = ' ';
        memcpy(s + k, o->pos[i], l);
        k += l;
    }
    s[k] = 0;
    return s;
}

/* mark-read <handle> <message_group_uuid> [<time>]: the user's read marker of the
 * conversation moved forward to the time (default: its newest message). */
int cli_mark_read(int argc, char **argv)
{
    cli_opts o;
    if (parse(argc, argv, TAKES_NONE, &o) || o.help || o.n_pos < 2 || o.n_pos > 3)
        return usage(&o, "mark-read", "<handle> <message_group_uuid> [<time>] [options]");
    cli_ctx c;
    if (ctx_open_writer(&c, &o))
        return 1;
    err_t e = {0};
    msg_user u;
    char at[MSG_TS_LEN + 1] = "";
    long long unread = 0;
    /* no time: a time after every message, which the conversation's newest one caps */
    const char *t = o.n_pos == 3 ? o.pos[2] : "9999-12-31T23:59:59.999999Z";
    int rc = msg_user_by_handle(c.svc, o.pos[0], &u, &e);
    if (!rc)
        rc = msg_mark_read(c.svc, u.uuid, o.pos[1], t, at, &unread, &e);
    if (!rc) {
        if (o.json)
            print_json(json_pack("{s:s,s:s,s:I}", "message_group_uuid", o.pos[1], "read_to", at,
                                 "unread", (json_int_t)unread));
        else
            printf("read to %s, %lld unread\n", at, unread);
    }
    ctx_close(&c);
    return rc ? fail_err(&o, &e) : 0;
}

/* delete-message <handle> <message_group_uuid> <created_at>: the user's own message deleted
 * (msg_delete_message); deleting one that is gone already is no error. */
int cli_delete_message(int argc, char **argv)
{
    cli_opts o;
    if (parse(argc, argv, TAKES_NONE, &o) || o.help || o.n_pos != 3)
        return usage(&o, "delete-message", "<handle> <message_group_uuid> <created_at> [options]");
    cli_ctx c;
    if (ctx_open_writer(&c, &o))
        return 1;
    err_t e = {0};
    msg_user u;
    bool deleted = false;
    int rc = msg_user_by_handle(c.svc, o.pos[0], &u, &e);
    if (!rc)
        rc = msg_delete_message(c.svc, u.uuid, o.pos[1], o.pos[2], &deleted, &e);
    if (!rc) {
        if (o.json)
            print_json(json_pack("{s:s,s:s,s:b}", "message_group_uuid", o.pos[1], "created_at",
                                 o.pos[2], "deleted", deleted));
        else
            printf(deleted ? "deleted the message of %s\n" : "no message at %s (deleted already)\n",
                   o.pos[2]);
    }
    ctx_close(&c);
    return rc ? fail_err(&o, &e) : 0;
}

int cli_send(int argc, char **argv)
{
    cli_opts o;
    if (parse(argc, argv, TAKES_NONE, &o) || o.help || o.n_pos < 3)
        return usage(&o, "send", "<from-handle> <to-handle|message_group_uuid> <text...> [options]");
    cli_ctx c;
    if (ctx_open_writer(&c, &o))
        return 1;
    err_t e = {0};
    msg_user from;
    msg_message m = {0};
    char *text = join(&o, 2);
    int rc = msg_user_by_handle(c.svc, o.pos[0], &from, &e);
    if (!rc) {
        bool group = looks_like_uuid(o.pos[1]);
        rc = msg_send(c.svc, from.uuid, group ? o.pos[1] : NULL, group ? NULL : o.pos[1], text,
                      NULL, &m, &e);
    }
    if (!rc) {
        if (o.json)
            print_json(message_json(&m));
        else
            printf("sent %s at %s in conversation %s\n", m.uuid, m.created_at,
                   m.message_group_uuid);
    }
    msg_message_fini(&m);
    free(text);
    ctx_close(&c);
    return rc ? fail_err(&o, &e) : 0;
}

static json_t *user_json(const msg_user *u)
{
    return json_pack("{s:s,s:s,s:s}", "uuid", u->uuid, "handle", u->handle, "display_name",
                     u->display_name);
}

int cli_user(int argc, char **argv)
{
    cli_opts o;
    const char *syn =
        "add <handle> <display name...> [--uuid U] | rename <handle> <display name...> | "
        "show <handle> | fold  [options]";
    if (parse(argc, argv, TAKES("--uuid"), &o) || o.help || o.n_pos < 1)
        return usage(&o, "user", syn);
    bool add = strcmp(o.pos[0], "add") == 0, show = strcmp(o.pos[0], "show") == 0,
         fold = strcmp(o.pos[0], "fold") == 0, rename = strcmp(o.pos[0], "rename") == 0;
    if ((!add && !show && !fold && !rename) || ((add || rename) && o.n_pos < 3) ||
        (show && o.n_pos != 2) || (fold && o.n_pos != 1))
        return usage(&o, "user", syn);
    cli_ctx c;
    if (add || fold || rename ? ctx_open_writer(&c, &o) : ctx_open(&c, &o))
        return 1;
    err_t e = {0};
    msg_user u;
    int rc;
    if (fold) { /* the repair doctor names: handle rows written after the fold by an older
                 * version or an import get their lower-case twins (service.h) */
        size_t rows = 0, twins = 0;
        rc = msg_handles_fold(c.svc, &rows, &twins, &e);
        if (!rc && o.json)
            print_json(json_pack("{s:I,s:I}", "handle_rows", (json_int_t)rows, "twins_written",
                                 (json_int_t)twins));
        else if (!rc)
            printf("%zu handle rows, %zu lower-case twins written\n", rows, twins);
        ctx_close(&c);
        return rc ? fail_err(&o, &e) : 0;
    }
    if (add) {
        char *name = join(&o, 2);
        rc = msg_user_add(c.svc, o.pos[1], name, o.uuid, &u, &e);
        free(name);
    } else if (rename) { /* the profile's name: the user row and the other participants'
                          * conversation rows (service.h msg_user_rename) */
        char *name = join(&o, 2);
        rc = msg_user_by_handle(c.svc, o.pos[1], &u, &e);
        if (!rc)
            rc = msg_user_rename(c.svc, u.uuid, name, NULL, &u, &e);
        free(name);
    } else {
        rc = msg_user_by_handle(c.svc, o.pos[1], &u, &e);
    }
    if (!rc) {
        if (o.json) {
            print_json(user_json(&u));
        } else {
            printf("%s  @%s  ", u.uuid, u.handle);
            print_text(u.display_name);
            putchar('\n');
        }
    }
    ctx_close(&c);
    return rc ? fail_err(&o, &e) : 0;
}

int cli_token(int argc, char **argv)
{
    cli_opts o;
    if (parse(argc, argv, TAKES("--ttl", "--jwt-secret-file"), &o) || o.help || o.n_pos != 1)
        return usage(&o, "token", "<handle> [--ttl SECONDS] [--jwt-secret-file FILE] [options]");
    cli_ctx c;
    if (ctx_open(&c, &o))
        return 1;
    err_t e = {0};
    msg_user u;
    unsigned char *secret = NULL;
    size_t secret_len = 0;
    char *tok = NULL;
    /* the longest lifetime `serve` accepts by default ($DDBCHAT_JWT_MAX_LIFETIME or one day) */
    long long max_life = msg_service_config(c.svc)->jwt_max_lifetime;
    if (max_life <= 0)
        max_life = MSG_JWT_MAX_LIFETIME_DEFAULT;
    if (o.ttl < 0)
        o.ttl = max_life;
    if (o.ttl == 0) { /* a token that has expired when it is made (it was the maximum) */
        fprintf(stderr, "ddbchat token: --ttl 0: a token lives 1 to %lld s\n", max_life);
        ctx_close(&c);
        return 2;
    }
    if (o.ttl > max_life) {
        fprintf(stderr,
                "ddbchat token: --ttl %ld is longer than the %lld s the server accepts "
                "(serve --jwt-max-lifetime / $%s)\n",
                o.ttl, max_life, MSG_JWT_MAX_LIFETIME_ENV);
        ctx_close(&c);
        return 2;
    }
    int rc = msg_user_by_handle(c.svc, o.pos[0], &u, &e);
    if (!rc)
        rc = msg_jwt_secret_load(o.endpoint ? NULL : o.data_dir, o.jwt_secret_file, &secret,
                                 &secret_len, &e);
    if (!rc)
        rc = msg_jwt_mint_hs256_for(msg_service_config(c.svc), secret, secret_len, "sub", u.uuid,
                                    o.ttl, &tok, &e);
    if (!rc) {
        if (o.json)
            print_json(json_pack("{s:s,s:s,s:s}", "token", tok, "uuid", u.uuid, "handle",
                                 u.handle));
        else
            printf("%s\n", tok);
    }
    free(tok);
    free(secret);
    ctx_close(&c);
    return rc ? fail_err(&o, &e) : 0;
}
