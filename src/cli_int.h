/* cli_int — what the verb files share: the parsed command line and helpers
 * for errors, passphrases and the home. */
#ifndef PADSEAL_CLI_INT_H
#define PADSEAL_CLI_INT_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "err.h"
#include "home.h"
#include "mailer.h"
#include "session.h"

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
	O_SMTP = 1 << 15,
	O_SMTP_USER = 1 << 16,
	O_SMTP_PASS = 1 << 17,
	O_SENDMAIL = 1 << 18,
	O_CACERT = 1 << 19,
	O_INSECURE = 1 << 20,
	O_IMAP = 1 << 21,
	O_IMAP_USER = 1 << 22,
	O_IMAP_PASS = 1 << 23,
	O_MAILDIR = 1 << 24,
	O_MBOX = 1 << 25,
	O_EMLX = 1 << 26,
	O_SELF_SIGNED = 1 << 27,
	O_KEEP_KEY = 1 << 28,
	O_FOR = 1 << 29,
	O_MADE_BY_ME = 1u << 30,
};
#define O_SENT    (1ull << 31) /* past what an enum constant may hold */
#define O_PROFILE (1ull << 32)
/* The options of sending, and of reading a mailbox. */
#define O_SEND (O_SMTP | O_SMTP_USER | O_SMTP_PASS | O_SENDMAIL | O_CACERT | O_INSECURE)
#define O_BOX \
	(O_IMAP | O_IMAP_USER | O_IMAP_PASS | O_MAILDIR | O_MBOX | O_EMLX | O_CACERT | O_INSECURE)

struct cli {
	char *home_dir;      /* resolved */
	struct session *s;   /* the home, for the verb */
	struct pass_ask ask; /* passphrases: the files given, or the terminal */
	const char *pass_file, *new_pass_file;
	int verbose;
	unsigned long long given; /* O_* bits seen on the line */
	const char *name, *key, *out, *compat, *to, *verified, *cell, *prog;
	const char *profile; /* install --profile */
	const char *smtp, *smtp_user, *smtp_pass_file, *sendmail, *cacert;
	const char *imap, *imap_user, *imap_pass_file, *maildir, *mbox, *emlx;
	const char *sent;      /* --sent MAILBOX, or the Sent folder kept */
	const char *sent_kind; /* "maildir", ... when kept; NULL: guessed */
	const char **emails;
	size_t n_emails;
	int days;
	char **args; /* operands after the verb */
	int nargs;
};

/* The one output filter (cli_out.c): from these calls on, standard error
 * (and standard output) pass through safetext's rule.  The wizard keeps
 * standard output for curses. */
void cli_out_filter_stderr(void);
void cli_out_filter_stdout(void);
/* Unfiltered bytes to standard output, after what was printed before:
 * 0, or -1 with errno. */
int cli_out_raw(const void *buf, size_t len);

/* Print "padseal: <message>" (and the detail with --verbose); returns the
 * exit status the error calls for: 2 for ERR_USAGE, else 1. */
int cli_fail(const struct cli *c, const struct err *e);
/* A usage error: one line, exit status 2. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "padseal: warning: ..." on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The home's state for a read-only verb: 0, or the exit status after the
 * error was printed. */
struct state;
int cli_state(struct cli *c, const struct state **st);

/* The correspondent a PEER names (peer_resolve): 0, or the exit status
 * after printing why (1 nothing matches, 2 ambiguous). */
struct st_peer;
int cli_peer(struct cli *c, const struct state *st, const char *spec, const struct st_peer **out);

/* Where output goes: --out FILE (never over an existing file unless
 * --force) or standard output.  `f` keeps the file sink's state. */
struct sink;
struct sink_file;
void cli_sink(const struct cli *c, struct sink *s, struct sink_file *f);

/* Sending (cli_mail.c): --smtp URL [--smtp-user U] [--smtp-pass-file F]
 * [--cacert F] [--insecure], or --sendmail COMMAND.  cli_mailer() checks
 * the options (0, or the exit status after saying why) and fills `m`;
 * `asked` says whether mail is to be sent at all.  The password is asked
 * by cli_mailer_login() (after the operation's own refusals), and wiped by
 * cli_mailer_clear(). */
struct cli_mailer {
	struct mail_server srv;
	struct mailer m;
	char user[256];
	char *pass;
	int asked;
};
int cli_mailer(struct cli *c, struct cli_mailer *m);
int cli_mailer_login(struct cli *c, struct cli_mailer *m);
void cli_mailer_clear(struct cli_mailer *m);

/* The mailbox of --maildir, --mbox, --emlx, --imap or the operand (a
 * Maildir, a folder of .eml, an mbox file, an imap(s):// URL): 0 with `b`
 * filled (the IMAP password read or asked), -1 when none is given, else
 * the exit status after saying why.  cli_box_clear() wipes the password. */
#include "mailset.h"
struct cli_box {
	struct mail_box bx;
	char *pass;
};
int cli_box(struct cli *c, const char *operand, struct cli_box *b);
/* The Sent folder c->sent (of kind c->sent_kind, or guessed as an
 * operand is): an IMAP one with the user of --imap-user, its URL or the
 * inbox `in` (may be NULL), and the inbox's password when it is on the
 * same server as the same user. */
int cli_box_sent(struct cli *c, const struct cli_box *in, struct cli_box *b);
void cli_box_clear(struct cli_box *b);

/* A server password (SMTP or IMAP): the first line of `file`, else asked
 * on the terminal; without either, exit status 2 naming the option. */
int cli_server_pass(const struct cli *c, const char *what, const char *file, const char *opt,
		    char **out);

/* How the verbs print an identity and lint findings (cli_ident.c). */
struct ident;
struct lint_report;
void print_ident(const struct ident *id);
void print_lint(const struct lint_report *r);
void json_lint(FILE *f, const struct lint_report *r);

/* The next step and a problem of the checklist, in the command line's
 * words (with the commands to run); cli_ident.c. */
struct checklist;
struct problem;
void cli_next_sentence(const struct checklist *cl, char *buf, size_t len);
/* The correspondents as an aligned table (status, peers): address, the
 * three steps, the test as "N of 8 passed", marks. */
void cli_peer_table(const struct checklist *cl);
/* A correspondent's test matrix as JSON: {"out":{"plain":"passed",...},"in":...}. */
struct jw;
void cli_jw_matrix(struct jw *j, const struct st_peer *p);
/* "tested": cells passed with mail programs' messages, "written_by": who
 * wrote each cell's message (null when not known). */
void cli_jw_writers(struct jw *j, const struct st_peer *p);
/* The mail settings kept in the home, filled in where the options are
 * absent: 1 when they were (cli_mail.c). */
struct mail_settings;
int cli_kept_smtp(struct cli *c);
int cli_kept_box(struct cli *c);
void cli_print_settings(const struct mail_settings *ms, const char *indent);
void cli_jw_settings(struct jw *j, const struct mail_settings *ms);
void cli_problem_sentence(const struct checklist *cl, const struct problem *p, char *buf,
			  size_t len);
/* A mail program prepared, against now ("iPhone or iPad: made 3 days ago;
 * Sam's certificate added since: make it again ..."), and the list as
 * JSON (cli_install.c). */
struct install_progress;
void cli_install_sentence(const struct checklist *cl, const struct install_progress *ip, char *buf,
			  size_t len);
void cli_jw_installs(struct jw *j, const struct checklist *cl);

/* The verbs. */
int cmd_create(struct cli *c);
int cmd_settings(struct cli *c);
int cmd_show(struct cli *c);
int cmd_renew(struct cli *c);
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
int cmd_scan(struct cli *c);
int cmd_install(struct cli *c);
int cmd_handover(struct cli *c);

#endif
