/*
 * args — an option that takes a value ("--name V" or "--name=V").  Layer: cli.  See args.h.
 */
#include "cli/args.h"

#include <stdio.h>
#include <string.h>

#include "cli/text.h"

bool cli_opt_listed(const char *name, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

int cli_opt_value(int argc, char **argv, int *i, const char *const *names, size_t n,
                  char name[CLI_OPT_NAME_MAX], const char **val)
{
    const char *a = argv[*i];
    const char *eq = strchr(a, '=');
    *val = NULL;
    if (eq) {
        snprintf(name, CLI_OPT_NAME_MAX, "%.*s", (int)(eq - a), a);
        *val = eq + 1;
    } else {
        snprintf(name, CLI_OPT_NAME_MAX, "%s", a);
    }
    if (!cli_opt_listed(name, names, n)) { /* before taking the next argument as its value */
        cli_text_arg_error("ddbchat: unknown option ", name, "\n");
        return 2;
    }
    if (!eq) {
        if (*i + 1 >= argc) {
            cli_text_arg_error("ddbchat: ", a, " needs a value\n");
            return 2;
        }
        *val = argv[++*i];
    }
    return 0;
}
