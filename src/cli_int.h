/* cli_int — what the verb files share: the parsed command line and helpers
 * for errors, passphrases and the home. */
#ifndef PADSEAL_CLI_INT_H
#define PADSEAL_CLI_INT_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "err.h"
#include "home.h"

/* Option bits, for the table of which verb takes which option. */
enum {
	O_JSON = 1 << 0,
	O_NAME = 1 << 1,
	O_EMAIL = 1 << 2,
	O_KEY = 1 << 3,
	O_DAYS = 1 << 4,
	O_REPLACE = 1 << 5,
	O_DER = 1 << 6,
	O_OUT = 1 << 7,
	O_SHA1 = 1 << 8,
	O_WORDS = 1 << 9,
	O_COMPAT = 1 << 10,
	O_FORCE = 1 << 11,
	O_TO = 1 << 12,
	O_VERIFIED = 1 << 13,
	O_CELL = 1 << 14,
};

struct cli {
	char *home_dir; /* resolved */
	const char *pass_file, *new_pass_file;
	int verbose;
	unsigned given; /* O_* bits seen on the line */
	const char *name, *key, *out, *compat, *to, *verified, *cell;
	const char **emails;
	size_t n_emails;
	int days;
	char **args; /* operands after the verb */
	int nargs;
};

/* Print "padseal: <message>" (and the detail with --verbose); returns
 * `status` so verbs can `return cli_fail(c, &e, EXIT_NO)`. */
int cli_fail(const struct cli *c, const struct err *e, int status);
/* A usage error: one line, exit status 2. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "padseal: warning: ..." on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A new passphrase (--new-passphrase-file, or asked twice on a terminal),
 * checked against the policy.  Returns 0 and *out (pass_free()), or an exit
 * status (1 refused, 2 no way to ask). */
int cli_new_pass(const struct cli *c, const char *what, char **out);
/* The passphrase that unlocks something (--passphrase-file, or asked once). */
int cli_unlock_pass(const struct cli *c, const char *what, char **out);

/* Open the home; returns 0 or an exit status after printing the error. */
int cli_home(const struct cli *c, struct home *h, enum home_mode mode);

/* Write `data` to c->out (refusing to overwrite unless --force) or stdout. */
int cli_output(const struct cli *c, const void *data, size_t len);

/* How the verbs print an identity and lint findings (cli_ident.c). */
struct ident;
struct lint_report;
void print_ident(const struct ident *id);
void print_lint(const struct lint_report *r);
void json_lint(FILE *f, const struct lint_report *r);

/* Resolve a PEER argument in `st` (cli_trust.c): 0, or the exit status
 * after printing why (1 nothing matches, 2 ambiguous). */
struct state;
struct rec;
int cli_peer(const struct cli *c, const struct state *st, const char *spec, struct rec **out);

/* The verbs. */
int cmd_create(struct cli *c);
int cmd_show(struct cli *c);
int cmd_cert(struct cli *c);
int cmd_fingerprint(struct cli *c);
int cmd_lint(struct cli *c);
int cmd_status(struct cli *c);
int cmd_backup(struct cli *c);
int cmd_restore(struct cli *c);
int cmd_intro(struct cli *c);
int cmd_import(struct cli *c);
int cmd_peers(struct cli *c);
int cmd_read(struct cli *c);
int cmd_matrix(struct cli *c);
int cmd_compare(struct cli *c);
int cmd_trust(struct cli *c);
int cmd_untrust(struct cli *c);

#endif
