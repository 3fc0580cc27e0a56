/*
 * args — an option that takes a value, as the subcommands read them: "--name V" or
 * "--name=V", only for a name the subcommand lists (an unknown option is named, never given
 * the next argument).  Layer: cli.  Used by cmd_msg.c, cmd_ops.c, cmd_sql.c and cmd_streams.c.
 * tests/e2e/test_serve.py::test_unknown_option_is_named_not_given_a_value
 */
#ifndef DDB_CLI_ARGS_H
#define DDB_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#define CLI_OPT_NAME_MAX 64 /* bytes of an option's name, with the NUL */

/* Is name one of the n names? */
bool cli_opt_listed(const char *name, const char *const *names, size_t n);

/* argv[*i], an option (it starts with '-') the caller does not take as a flag: its name (up
 * to '=', cut to CLI_OPT_NAME_MAX - 1 bytes) into name, its value (after '=', or the next
 * argument, *i then moved to it) into *val.  0; or 2, the usage error said on stderr: the
 * name is not one of the n names ("ddbchat: unknown option NAME"), or the value is missing
 * ("ddbchat: ARG needs a value"). */
int cli_opt_value(int argc, char **argv, int *i, const char *const *names, size_t n,
                  char name[CLI_OPT_NAME_MAX], const char **val);

#endif
