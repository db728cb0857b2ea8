/* cli — the command line: parse, dispatch to verbs, print, exit status. */
#ifndef PADSEAL_CLI_H
#define PADSEAL_CLI_H

/* Exit statuses (DESIGN.md). */
enum { EXIT_OK = 0, EXIT_NO = 1, EXIT_USAGE = 2 };

/* Run padseal with `argv`.  With no verb it calls `wizard(home_dir)` (the
 * full-screen front end), which returns an exit status.  `wizard` may be
 * NULL, in which case no verb is a usage error. */
int cli_main(int argc, char **argv, int (*wizard)(const char *home_dir));

#endif
