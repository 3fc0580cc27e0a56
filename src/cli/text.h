/*
 * text — user text on a terminal.  Layer: cli.
 *
 * A message, a display name or any stored string printed for a human must stay on its line
 * and must not reach the terminal as a command: C0 controls and DEL are written as escapes
 * (\n, \r, \t, \xHH) and C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F: U+009B is the 8-bit
 * CSI) as \u00HH; everything else as it is.  One rule for every human output of the CLI
 * (cmd_msg.c's listings, cmd_sql.c's table cells); --json output is left to the JSON encoder.
 * tests/e2e/test_messaging.py::test_cli_text_output_escapes_controls
 */
#ifndef DDB_CLI_TEXT_H
#define DDB_CLI_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* s escaped (above) in a new malloc'ed string (the caller frees it; NULL when out of memory).
 * max_chars > 3: at most max_chars - 3 characters of the escaped text, then "..." when more
 * followed (an escape is never cut); 0: no limit.  s NULL reads as "". */
char *cli_text_escape(const char *s, size_t max_chars);

/* Characters of a user's argument quoted in an error message (cli_text_escape's max_chars):
 * a 100 KB --param was echoed whole on one error line. */
#define CLI_ARG_SHOWN_MAX 64

/* Writes s escaped to f. */
void cli_text_print(FILE *f, const char *s);

/* Writes "<before><s escaped and cut to CLI_ARG_SHOWN_MAX><after>" to stderr: a user's
 * argument quoted in an error ("unknown subcommand", "unknown option"), which echoed a
 * 5,000-byte argument whole and wrote an ESC sequence raw to the terminal.
 * tests/e2e/test_partiql.py::test_cli_bad_argument_is_quoted_bounded */
void cli_text_arg_error(const char *before, const char *s, const char *after);

#endif
