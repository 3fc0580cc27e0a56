/*
 * main — the ddbchat program: picks the subcommand and hands over.  Layer: cli (wiring only).
 *
 * `ddbchat <subcommand> [args]`; `ddbchat --help` lists the subcommands of cli.h; an unknown
 * subcommand prints the usage and exits 2.  The messaging subcommands live in cmd_msg.c.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/text.h"


typedef int (*cli_fn)(int argc, char **argv);

static const struct cli_cmd {
    const char *name;
    cli_fn fn;
    const char *help;
} cli_cmds[] = {
    {"serve", cli_serve, "run the DynamoDB endpoint and the messaging REST API"},
    {"schema-load", cli_schema_load, "create the messaging table"},
    {"seed", cli_seed, "write demo / synthetic users, conversations and messages"},
    {"list-tables", cli_list_tables, "list the tables"},
    {"scan", cli_scan, "print every item of a table"},
    {"drop", cli_drop, "delete the messaging table"},
    {"get-conversation", cli_get_conversation, "print a conversation's messages (pattern A)"},
    {"list-conversations", cli_list_conversations, "print a user's conversations (pattern B)"},
    {"send", cli_send, "send a message (patterns C and D)"},
    {"mark-read", cli_mark_read, "move a user's read marker of a conversation forward"},
    {"delete-message", cli_delete_message, "delete one's own message (patterns C and D undone)"},
    {"user", cli_user, "add or show users"},
    {"token", cli_token, "mint a REST API bearer token for a user"},
    {"sql", cli_sql, "run PartiQL statements (or an interactive prompt)"},
    {"streams", cli_streams, "follow a table's DynamoDB stream (streams tail TABLE)"},
    {"backup", cli_backup, "copy a data dir while it is in use (hot backup)"},
    {"restore", cli_restore, "bring a backup back into a new data dir"},
    {"export", cli_export, "write a table in DynamoDB's export-to-S3 format"},
    {"import", cli_import, "load DynamoDB JSON / export / CSV files into a table"},
    {"stats", cli_stats, "a running server's metrics (GET /metrics) as tables"},
    {"doctor", cli_doctor, "check a data dir (indexes, counters, messaging); --repair"},
};

static void cli_usage(FILE *f)
{
    fprintf(f, "usage: ddbchat <subcommand> [options]\n\n"
               "An embedded DynamoDB-compatible engine with a DynamoDB endpoint and a\n"
               "direct-messaging REST API.\n\nsubcommands:\n");
    for (size_t i = 0; i < sizeof cli_cmds / sizeof cli_cmds[0]; i++)
        fprintf(f, "  %-20s %s\n", cli_cmds[i].name, cli_cmds[i].help);
    fprintf(f, "\n`ddbchat <subcommand> --help` describes a subcommand's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        cli_usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof cli_cmds / sizeof cli_cmds[0]; i++) {
        if (strcmp(sub, cli_cmds[i].name) != 0)
            continue;
        return cli_cmds[i].fn(argc - 1, argv + 1);
    }
    cli_text_arg_error("ddbchat: unknown subcommand '", sub, "'\n\n");
    cli_usage(stderr);
    return 2;
}
