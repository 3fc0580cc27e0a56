/*
 * cli — subcommands of the ddbchat program.  Layer: cli (wiring only, no logic of its own).
 *
 * main.c parses the subcommand name and calls one of these with argv starting at the
 * subcommand's own arguments (argv[0] is the subcommand name).  Each returns the process exit
 * status (0 ok, 1 failure, 2 usage error).
 */
#ifndef DDB_CLI_CLI_H
#define DDB_CLI_CLI_H

int cli_serve(int argc, char **argv);             /* main.c / serve.c */
int cli_schema_load(int argc, char **argv);       /* cmd_msg.c */
int cli_seed(int argc, char **argv);              /* cmd_msg.c */
int cli_list_tables(int argc, char **argv);       /* cmd_msg.c */
int cli_scan(int argc, char **argv);              /* cmd_msg.c */
int cli_drop(int argc, char **argv);              /* cmd_msg.c */
int cli_get_conversation(int argc, char **argv);  /* cmd_msg.c */
int cli_list_conversations(int argc, char **argv);/* cmd_msg.c */
int cli_mark_read(int argc, char **argv);         /* cmd_msg.c */
int cli_send(int argc, char **argv);              /* cmd_msg.c */
int cli_delete_message(int argc, char **argv);    /* cmd_msg.c */
int cli_user(int argc, char **argv);              /* cmd_msg.c */
int cli_token(int argc, char **argv);             /* cmd_msg.c */
int cli_sql(int argc, char **argv);               /* cmd_sql.c */
int cli_streams(int argc, char **argv);           /* cmd_streams.c */
int cli_backup(int argc, char **argv);            /* cmd_ops.c */
int cli_restore(int argc, char **argv);           /* cmd_ops.c */
int cli_export(int argc, char **argv);            /* cmd_ops.c */
int cli_import(int argc, char **argv);            /* cmd_ops.c */
int cli_stats(int argc, char **argv);             /* cmd_ops.c */
int cli_doctor(int argc, char **argv);            /* cmd_ops.c */

#endif
