/*
 * cmd_streams — `ddbchat streams tail TABLE`: prints a table's DynamoDB stream records as they
 * arrive.  Layer: cli (wiring: arguments, a backend, the stream reader, printing).
 *
 *   ddbchat streams tail TABLE [--from latest|trim-horizon] [--json] [--no-follow]
 *                              [--data-dir DIR | --endpoint URL [--region R]]
 *
 * The records are read through the messaging backend seam (messaging/stream_reader.h), shard
 * by shard in lineage order, so the same command follows the embedded engine's data dir
 * (also while `ddbchat serve` runs on it), a second ddbchat or AWS (whose streams live on
 * streams.dynamodb.<region>.amazonaws.com).  --from: where to begin (default latest: only
 * what is written from now on).  --json: one record per line, exactly as GetRecords returns
 * it; else one line per record: time, event, sequence number, keys, new image.  --no-follow:
 * stop once the records written so far are printed.  It follows until SIGINT/SIGTERM.
 * Exit status: 0 ok, 1 failure (no such table, no stream, ...), 2 usage error.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/conn.h"
#include "cli/text.h"
#include "messaging/backend.h"
#include "messaging/stream_reader.h"

#define TAIL_BATCH 1000
#define TAIL_POLL_MS 200

static volatile sig_atomic_t tail_stop;

static void tail_on_signal(int sig)
{
    (void)sig;
    tail_stop = 1;
}

static int streams_usage(FILE *f, int rc)
{
    fprintf(f,
            "usage: ddbchat streams tail TABLE [options]\n"
            "Prints TABLE's DynamoDB stream records as they are written.\n"
            "  --from WHERE       latest (default: from now on) or trim-horizon (the oldest\n"
            "                     record kept)\n"
            "  --json             one record per line, as GetRecords returns it\n"
            "  --no-follow        stop after the records written so far\n"
            "  --data-dir DIR     embedded engine data dir (default ./data)\n"
            "  --endpoint URL     use a remote DynamoDB-compatible endpoint instead\n"
            "  --region REGION    region for --endpoint (default from the AWS config)\n");
    return rc;
}

/* One record as a line of text: time event sequence keys [new image]. */
static void tail_print_text(const json_t *rec)
{
    const json_t *d = json_object_get(rec, "dynamodb");
    time_t t = (time_t)json_integer_value(json_object_get(d, "ApproximateCreationDateTime"));
    if (json_is_real(json_object_get(d, "ApproximateCreationDateTime")))
        t = (time_t)json_real_value(json_object_get(d, "ApproximateCreationDateTime"));
    struct tm tm;
    char when[32] = "?";
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char *keys = json_dumps(json_object_get(d, "Keys"), JSON_COMPACT | JSON_SORT_KEYS);
    const json_t *ni = json_object_get(d, "NewImage");
    char *img = ni ? json_dumps(ni, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    printf("%s %-6s %s %s%s%s\n", when,
           json_string_value(json_object_get(rec, "eventName")) ?: "?",
           json_string_value(json_object_get(d, "SequenceNumber")) ?: "?", keys ? keys : "{}",
           img ? " " : "", img ? img : "");
    free(keys);
    free(img);
}

static int streams_tail(int argc, char **argv)
{
    const char *table = NULL, *data_dir = "./data", *endpoint = NULL, *region = NULL;
    msg_sr_start start = MSG_SR_LATEST;
    bool json = false, follow = true;
    static const char *const value_opts[] = {"--from", "--data-dir", "--endpoint", "--region"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return streams_usage(stdout, 0);
        if (strcmp(a, "--json") == 0) {
            json = true;
            continue;
        }
        if (strcmp(a, "--no-follow") == 0) {
            follow = false;
            continue;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (table) {
                char *shown = cli_text_escape(a, CLI_ARG_SHOWN_MAX);
                fprintf(stderr, "ddbchat streams tail: unexpected argument '%s'\n",
                        shown ? shown : "");
                free(shown);
                return streams_usage(stderr, 2);
            }
            table = a;
            continue;
        }
        /* an option with a value, "--name V" or "--name=V"; an unknown one is named */
        char name[CLI_OPT_NAME_MAX];
        const char *v;
        if (cli_opt_value(argc, argv, &i, value_opts, sizeof value_opts / sizeof value_opts[0],
                          name, &v)) {
            streams_usage(stderr, 2);
            return 2;
        }
        if (strcmp(name, "--from") == 0) {
            if (strcmp(v, "latest") == 0)
                start = MSG_SR_LATEST;
            else if (strcmp(v, "trim-horizon") == 0)
                start = MSG_SR_TRIM_HORIZON;
            else {
                fprintf(stderr, "ddbchat streams tail: --from expects latest or trim-horizon\n");
                return 2;
            }
        } else if (strcmp(name, "--data-dir") == 0) {
            data_dir = v;
        } else if (strcmp(name, "--endpoint") == 0) {
            endpoint = v;
        } else {
            region = v;
        }
    }
    if (!table)
        return streams_usage(stderr, 2);

    int status = 1;
    err_t e = {0};
    cli_conn c = {0};
    msg_stream_reader *rd = NULL;
    if (cli_conn_open(&c, data_dir, false, endpoint, region, &e))
        goto fail;
    if (msg_stream_reader_new(c.backend, table, start, NULL, &rd, &e))
        goto fail;
    struct sigaction sa = {.sa_handler = tail_on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!tail_stop) {
        /* the page as text (stream_reader.h, msg_sr_page): --json prints each record's text
         * as it came (the compact JSON json_dumps gave of its tree), the lines parse only
         * the members they show; a page of wide images as one tree took ~70 MB */
        msg_sr_page pg;
        if (msg_stream_reader_next_page(rd, TAIL_BATCH, &pg, &e))
            goto fail;
        size_t n = pg.n;
        for (size_t i = 0; i < n; i++) {
            if (json) {
                fwrite(pg.text + pg.off[i], 1, pg.len[i], stdout);
                putchar('\n');
                continue;
            }
            json_t *rec = json_object(), *d = json_object();
            if (!rec || !d || json_object_set(rec, "dynamodb", d)) {
                json_decref(rec);
                json_decref(d);
                msg_sr_page_fini(&pg);
                err_set(&e, ERR_NOMEM, "out of memory");
                goto fail;
            }
            json_decref(d); /* rec holds it */
            json_t *ev = msg_sr_page_member_json(&pg, i, "eventName", NULL);
            if (ev)
                json_object_set_new(rec, "eventName", ev);
            static const char *const dm[] = {"ApproximateCreationDateTime", "SequenceNumber",
                                             "Keys", "NewImage"};
            for (size_t k = 0; k < sizeof dm / sizeof dm[0]; k++) {
                json_t *v = msg_sr_page_member_json(&pg, i, "dynamodb", dm[k]);
                if (v)
                    json_object_set_new(d, dm[k], v);
            }
            tail_print_text(rec);
            json_decref(rec);
        }
        msg_sr_page_fini(&pg);
        fflush(stdout);
        if (n == 0) {
            if (!follow)
                break;
            usleep(TAIL_POLL_MS * 1000);
        }
    }
    status = 0;
    goto out;
fail:
    fprintf(stderr, "ddbchat streams tail: %s\n", e.msg[0] ? e.msg : err_name(e.code));
out:
    msg_stream_reader_free(rd);
    cli_conn_close(&c);
    return status;
}

int cli_streams(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "tail") == 0)
        return streams_tail(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return streams_usage(stdout, 0);
    if (argc >= 2) /* name what was given, as the other subcommands do */
        cli_text_arg_error(argv[1][0] == '-' ? "ddbchat: unknown option " :
                                               "ddbchat streams: unknown subcommand '",
                           argv[1], argv[1][0] == '-' ? "\n" : "'\n");
    return streams_usage(stderr, 2);
}
