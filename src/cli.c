#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli_int.h"
#include "fileio.h"
#include "op.h"
#include "pass.h"
#include "peer.h"
#include "session.h"
#include "xalloc.h"

struct verb {
	const char *name;
	int (*run)(struct cli *c);
	unsigned long long opts; /* O_* bits it accepts */
	int min_args, max_args;
	const char *usage;
};

static const struct verb verbs[] = {
	{"create", cmd_create, O_NAME | O_EMAIL | O_KEY | O_DAYS | O_REPLACE | O_SELF_SIGNED, 0, 0,
	 "create --name NAME --email ADDR [--email ADDR ...] [--key rsa2048|rsa3072|rsa4096|p256|p384] [--days N] [--self-signed] [--replace]"},
	{"show", cmd_show, O_JSON, 0, 0, "show [--json]"},
	{"renew", cmd_renew, O_KEEP_KEY | O_DAYS, 0, 0, "renew [--keep-key] [--days N]"},
	{"cert", cmd_cert, O_DER | O_OUT | O_FORCE | O_TO, 0, 0,
	 "cert [--der] [--out FILE [--force]] [--to ADDR]"},
	{"fingerprint", cmd_fingerprint, O_SHA1 | O_WORDS | O_JSON, 0, 1,
	 "fingerprint [--sha1] [--words] [--json] [PEER|FILE]"},
	{"lint", cmd_lint, O_JSON, 0, 1, "lint [--json] [FILE|PEER]"},
	{"status", cmd_status, O_JSON, 0, 0, "status [--json]"},
	{"backup", cmd_backup, O_OUT | O_COMPAT | O_FORCE, 0, 0,
	 "backup --out FILE [--compat legacy|modern] [--force]"},
	{"restore", cmd_restore, 0, 1, 1, "restore FILE"},
	{"intro", cmd_intro, O_TO | O_OUT | O_FORCE | O_SEND, 0, 0,
	 "intro --to ADDR [--out FILE] [--smtp URL [--smtp-user USER] [--smtp-pass-file FILE] | --sendmail COMMAND]"},
	{"import", cmd_import, O_JSON | O_MADE_BY_ME, 1, 1, "import [--made-by-me] FILE"},
	{"peers", cmd_peers, O_JSON, 0, 0, "peers [--json]"},
	{"read", cmd_read, O_JSON, 1, 1, "read FILE [--json]"},
	{"matrix", cmd_matrix, O_TO | O_OUT | O_CELL | O_JSON | O_FORCE | O_SEND | O_BOX | O_SENT,
	 0, INT_MAX,
	 "matrix [--to PEER] [--json] | matrix send --to PEER [--out DIR] [--force] [--smtp URL | --sendmail COMMAND] | matrix check FILE...|--maildir DIR|--mbox FILE|--emlx DIR|--imap URL [--sent MAILBOX] | matrix confirm --to PEER --cell out:KIND|in:KIND"},
	{"compare", cmd_compare, O_SHA1 | O_JSON, 2, 2, "compare [--sha1] [--json] PEER TEXT"},
	{"trust", cmd_trust, O_VERIFIED | O_FORCE, 1, 1,
	 "trust PEER --verified phone|in-person|other [--force]"},
	{"untrust", cmd_untrust, 0, 1, 1, "untrust PEER"},
	{"scan", cmd_scan, O_JSON | O_BOX, 0, 1,
	 "scan MAILBOX|--maildir DIR|--mbox FILE|--emlx DIR|--imap URL [--json]"},
	{"settings", cmd_settings,
	 O_SMTP | O_SMTP_USER | O_CACERT | O_IMAP | O_IMAP_USER | O_MAILDIR | O_MBOX | O_EMLX |
		 O_SENT | O_JSON,
	 0, 0,
	 "settings [--smtp URL] [--smtp-user USER] [--cacert FILE] [--imap URL|--maildir DIR|--mbox FILE|--emlx DIR] [--sent MAILBOX] [--imap-user USER] [--json]"},
	{"install", cmd_install, O_FOR | O_OUT | O_PROFILE, 0, 0,
	 "install --for thunderbird|iphone|apple-mail|outlook|neomutt|gpgsm [--out DIR] | install --for thunderbird --profile DIR"},
	{"handover", cmd_handover, O_OUT, 0, 0, "handover --out DIR"},
};

static const struct option longopts[] = {
	{"home", required_argument, NULL, 'H'},
	{"passphrase-file", required_argument, NULL, 'p'},
	{"new-passphrase-file", required_argument, NULL, 'P'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{"json", no_argument, NULL, 'j'},
	{"name", required_argument, NULL, 'n'},
	{"email", required_argument, NULL, 'e'},
	{"key", required_argument, NULL, 'k'},
	{"days", required_argument, NULL, 'd'},
	{"replace", no_argument, NULL, 'r'},
	{"der", no_argument, NULL, 'D'},
	{"out", required_argument, NULL, 'o'},
	{"sha1", no_argument, NULL, '1'},
	{"words", no_argument, NULL, 'w'},
	{"compat", required_argument, NULL, 'c'},
	{"force", no_argument, NULL, 'f'},
	{"to", required_argument, NULL, 't'},
	{"verified", required_argument, NULL, 'y'},
	{"cell", required_argument, NULL, 'C'},
	{"smtp", required_argument, NULL, 'S'},
	{"smtp-user", required_argument, NULL, 'u'},
	{"smtp-pass-file", required_argument, NULL, 'F'},
	{"sendmail", required_argument, NULL, 'M'},
	{"cacert", required_argument, NULL, 'A'},
	{"insecure", no_argument, NULL, 'I'},
	{"imap", required_argument, NULL, 'i'},
	{"imap-user", required_argument, NULL, 'U'},
	{"imap-pass-file", required_argument, NULL, 'G'},
	{"maildir", required_argument, NULL, 'm'},
	{"mbox", required_argument, NULL, 'b'},
	{"emlx", required_argument, NULL, 'x'},
	{"self-signed", no_argument, NULL, 's'},
	{"keep-key", no_argument, NULL, 'K'},
	{"for", required_argument, NULL, 'W'},
	{"profile", required_argument, NULL, 'Z'},
	{"made-by-me", no_argument, NULL, 'Y'},
	{"sent", required_argument, NULL, 'E'},
	{NULL, 0, NULL, 0},
};

/* O_* bit of a verb option, 0 for global ones. */
static unsigned long long
opt_bit(int ch)
{
	switch (ch) {
	case 'j': return O_JSON;
	case 'n': return O_NAME;
	case 'e': return O_EMAIL;
	case 'k': return O_KEY;
	case 'd': return O_DAYS;
	case 'r': return O_REPLACE;
	case 'D': return O_DER;
	case 'o': return O_OUT;
	case '1': return O_SHA1;
	case 'w': return O_WORDS;
	case 'c': return O_COMPAT;
	case 'f': return O_FORCE;
	case 't': return O_TO;
	case 'y': return O_VERIFIED;
	case 'C': return O_CELL;
	case 'S': return O_SMTP;
	case 'u': return O_SMTP_USER;
	case 'F': return O_SMTP_PASS;
	case 'M': return O_SENDMAIL;
	case 'A': return O_CACERT;
	case 'I': return O_INSECURE;
	case 'i': return O_IMAP;
	case 'U': return O_IMAP_USER;
	case 'G': return O_IMAP_PASS;
	case 'm': return O_MAILDIR;
	case 'b': return O_MBOX;
	case 'x': return O_EMLX;
	case 's': return O_SELF_SIGNED;
	case 'K': return O_KEEP_KEY;
	case 'W': return O_FOR;
	case 'Z': return O_PROFILE;
	case 'Y': return O_MADE_BY_ME;
	case 'E': return O_SENT;
	default: return 0;
	}
}

static const char *
opt_name(unsigned long long bit)
{
	for (const struct option *o = longopts; o->name; o++)
		if (opt_bit(o->val) == bit)
			return o->name;
	return "?";
}

int
cli_fail(const struct cli *c, const struct err *e)
{
	fprintf(stderr, "padseal: %s\n", e->set ? e->msg : "failed");
	if (c != NULL && c->verbose && e->detail[0])
		fprintf(stderr, "padseal: detail: %s\n", e->detail);
	return e->code == ERR_USAGE ? EXIT_USAGE : EXIT_NO;
}

int
cli_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("padseal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see padseal --help)\n", stderr);
	return EXIT_USAGE;
}

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("padseal: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* --- passphrases on a terminal --- */

static volatile sig_atomic_t interrupted, suspended;

static void
on_signal(int sig)
{
	interrupted = sig;
}

static void
on_suspend(int sig)
{
	suspended = sig;
}

/* The signals that end a prompt (SIGQUIT too: with core dumps off it
 * would only lose the terminal's echo), and those that suspend it. */
static const int prompt_ends[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static const int prompt_stops[] = {SIGTSTP, SIGTTIN, SIGTTOU};
#define N_ENDS  (sizeof prompt_ends / sizeof prompt_ends[0])
#define N_STOPS (sizeof prompt_stops / sizeof prompt_stops[0])

/* Stop as the signal asked, with the terminal as it was before the
 * prompt; hide the typing again when continued. */
static void
suspend_prompt(const struct termios *old, const struct termios *quiet, const char *prompt)
{
	struct sigaction dfl = {0}, mine;
	int sig = suspended;

	suspended = 0;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, old);
	fputc('\n', stderr);
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, &mine);
	kill(getpid(), sig);
	sigaction(sig, &mine, NULL);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, quiet);
	fputs(prompt, stderr);
	fflush(stderr);
}

/* Read one line from standard input (a terminal) with echo off.  The
 * terminal is restored on every path: Ctrl-C, Ctrl-\ (both end the prompt
 * and wipe what was typed) and Ctrl-Z (the prompt stops with the terminal
 * as it was and hides the typing again when continued). */
static int
read_hidden(const char *prompt, char **out)
{
	struct termios old, quiet;
	struct sigaction sa = {0}, stop = {0}, oend[N_ENDS], ostop[N_STOPS];
	char *buf = xsecret_zalloc(PASS_MAX_LEN + 2);
	size_t n = 0;
	int rc = -1;

	if (tcgetattr(STDIN_FILENO, &old) != 0) {
		OPENSSL_free(buf);
		return -1;
	}
	sa.sa_handler = on_signal; /* no SA_RESTART: read() returns EINTR */
	stop.sa_handler = on_suspend;
	for (size_t i = 0; i < N_ENDS; i++)
		sigaction(prompt_ends[i], &sa, &oend[i]);
	for (size_t i = 0; i < N_STOPS; i++)
		sigaction(prompt_stops[i], &stop, &ostop[i]);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	fputs(prompt, stderr);
	fflush(stderr);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	while (!interrupted) {
		char ch;
		ssize_t got;

		if (suspended) {
			suspend_prompt(&old, &quiet, prompt);
			continue;
		}
		got = read(STDIN_FILENO, &ch, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || ch == '\n' || ch == '\r') {
			rc = got < 0 ? -1 : 0;
			break;
		}
		if (n < PASS_MAX_LEN + 1)
			buf[n++] = ch;
	}
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	for (size_t i = 0; i < N_ENDS; i++)
		sigaction(prompt_ends[i], &oend[i], NULL);
	for (size_t i = 0; i < N_STOPS; i++)
		sigaction(prompt_stops[i], &ostop[i], NULL);
	if (interrupted) {
		int sig = interrupted;

		OPENSSL_clear_free(buf, PASS_MAX_LEN + 2);
		raise(sig); /* the original disposition now applies */
		exit(128 + sig);
	}
	if (rc != 0) {
		OPENSSL_clear_free(buf, PASS_MAX_LEN + 2);
		return -1;
	}
	*out = buf;
	return 0;
}

/* What a prompt calls the thing a passphrase is for. */
static const char *
prompt_for(enum pass_kind kind, const char *what, char *buf, size_t len)
{
	switch (kind) {
	case PASS_KEY: snprintf(buf, len, "Passphrase of %s: ", what); break;
	case PASS_FILE: snprintf(buf, len, "Passphrase of the file %s: ", what); break;
	case PASS_NEW_KEY: snprintf(buf, len, "New passphrase for %s: ", what); break;
	case PASS_NEW_BACKUP:
		snprintf(buf, len,
			 "New passphrase for the backup %s (the one its import will ask for): ",
			 what);
		break;
	}
	return buf;
}

/* A new passphrase asked twice on the terminal, three tries. */
static int
ask_new(const struct cli *c, enum pass_kind kind, const char *what, char **out, struct err *e)
{
	char prompt[600];

	(void)c;
	for (int tries = 0;; tries++) {
		struct err why = ERR_INIT;
		char *again = NULL;

		if (read_hidden(prompt_for(kind, what, prompt, sizeof prompt), out) != 0)
			return err_set(e, "could not read the passphrase from the terminal");
		if (pass_check_new(*out, NULL, &why) == 0) {
			if (read_hidden("Repeat the passphrase: ", &again) == 0 &&
			    strcmp(again, *out) == 0) {
				pass_free(again);
				return 0;
			}
			pass_free(again);
			err_set(&why, "the two passphrases differ");
		}
		pass_free(*out);
		*out = NULL;
		if (tries == 2) {
			err_copy(e, &why);
			return err_code(e, ERR_WEAK_PASS);
		}
		fprintf(stderr, "padseal: %s; try again\n", why.msg);
	}
}

/* The command line's pass_ask: the files given, else the terminal. */
static int
cli_ask(void *arg, enum pass_kind kind, const char *what, char **out, struct err *e)
{
	const struct cli *c = arg;
	int fresh = kind == PASS_NEW_KEY || kind == PASS_NEW_BACKUP;
	const char *file = fresh ? c->new_pass_file : c->pass_file;
	char prompt[600];
	int non_ascii = 0;

	*out = NULL;
	if (file != NULL) {
		if (pass_read_file(file, out, e) != 0)
			return -1;
	} else if (!isatty(STDIN_FILENO)) {
		err_set(e, "no terminal to ask for the passphrase of %s: use %s FILE", what,
			fresh ? "--new-passphrase-file" : "--passphrase-file");
		return err_code(e, ERR_USAGE);
	} else if (fresh) {
		if (ask_new(c, kind, what, out, e) != 0)
			return -1;
	} else if (read_hidden(prompt_for(kind, what, prompt, sizeof prompt), out) != 0) {
		return err_set(e, "could not read the passphrase from the terminal");
	}
	if (fresh && pass_check_new(*out, &non_ascii, NULL) == 0 && non_ascii)
		cli_warn(
			"the passphrase has non-ASCII characters; some systems encode those differently and may not open the file");
	return 0;
}

int
cli_server_pass(const struct cli *c, const char *what, const char *file, const char *opt,
		char **out)
{
	struct err e = ERR_INIT;
	char prompt[400];

	*out = NULL;
	if (file != NULL) {
		if (pass_read_file(file, out, &e) != 0)
			return cli_fail(c, &e);
		return 0;
	}
	if (!isatty(STDIN_FILENO))
		return cli_usage("no terminal to ask for the password of %s: use %s FILE", what,
				 opt);
	snprintf(prompt, sizeof prompt, "Password of %s: ", what);
	if (read_hidden(prompt, out) != 0) {
		err_set(&e, "could not read the password from the terminal");
		return cli_fail(c, &e);
	}
	return 0;
}

int
cli_state(struct cli *c, const struct state **st)
{
	struct err e = ERR_INIT;

	return session_state(c->s, st, &e) == 0 ? 0 : cli_fail(c, &e);
}

int
cli_peer(struct cli *c, const struct state *st, const char *spec, const struct st_peer **out)
{
	struct err e = ERR_INIT;

	*out = peer_resolve(st, spec, &e);
	return *out != NULL ? 0 : cli_fail(c, &e);
}

static int
stdout_write(void *arg, const void *buf, size_t len, struct err *e)
{
	(void)arg;
	if (cli_out_raw(buf, len) != 0)
		return err_sys(e, "cannot write to standard output");
	return 0;
}

void
cli_sink(const struct cli *c, struct sink *s, struct sink_file *f)
{
	if (c->out != NULL && strcmp(c->out, "-") != 0) {
		sink_file(s, f, c->out, (c->given & O_FORCE) != 0);
		return;
	}
	memset(s, 0, sizeof *s);
	s->write = stdout_write;
	s->label = "standard output";
}

static void
help(void)
{
	printf("Usage: padseal [OPTIONS]              the full-screen wizard\n"
	       "       padseal [OPTIONS] COMMAND ...  one step from the command line\n\n"
	       "padseal walks you through S/MIME mail with certificates you make yourself:\n"
	       "create, back up, exchange, verify, trust, test.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		printf("  %s\n", verbs[i].usage);
	printf("\nOptions (anywhere on the line):\n"
	       "  --home DIR                 the padseal home (default $PADSEAL_HOME, else\n"
	       "                             ${XDG_DATA_HOME:-~/.local/share}/padseal)\n"
	       "  --passphrase-file FILE     first line unlocks your key or opens an input .p12\n"
	       "  --new-passphrase-file FILE first line protects a new key or backup\n"
	       "  --verbose                  add library details to errors\n"
	       "  --smtp URL                 send through smtp://host:587 (STARTTLS) or smtps://host:465\n"
	       "  --smtp-user USER, --smtp-pass-file FILE   log in (else the URL's user; asked)\n"
	       "  --sendmail COMMAND         send by piping to COMMAND (sendmail -t -i, msmtp -t)\n"
	       "  --imap URL                 read imaps://user@host/FOLDER (only read: EXAMINE)\n"
	       "  --imap-user USER, --imap-pass-file FILE\n"
	       "  --maildir DIR, --mbox FILE, --emlx DIR   read a local mailbox\n"
	       "  --cacert FILE              the CA of a private mail server; --insecure: no check\n"
	       "  --help, --version\n\n"
	       "Exit status: 0 success, 1 the answer is no (or the data is refused), 2 usage.\n"
	       "See padseal(1) for every command and option.\n");
}

static int
parse_days(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < 1 || v > INT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

static int
parse(struct cli *c, int argc, char **argv, const char **home_opt)
{
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		c->given |= opt_bit(ch);
		switch (ch) {
		case 'H': *home_opt = optarg; break;
		case 'p': c->pass_file = optarg; break;
		case 'P': c->new_pass_file = optarg; break;
		case 'v': c->verbose = 1; break;
		case 'h': help(); exit(EXIT_OK);
		case 'V': printf("padseal %s\n", PACKAGE_VERSION); exit(EXIT_OK);
		case 'n': c->name = optarg; break;
		case 'e':
			c->emails = xreallocarray(c->emails, c->n_emails + 1, sizeof *c->emails);
			c->emails[c->n_emails++] = optarg;
			break;
		case 'k': c->key = optarg; break;
		case 'd':
			if (parse_days(optarg, &c->days) != 0)
				return cli_usage("--days needs a whole number of days, not \"%s\"",
						 optarg);
			break;
		case 'o': c->out = optarg; break;
		case 'c': c->compat = optarg; break;
		case 't': c->to = optarg; break;
		case 'y': c->verified = optarg; break;
		case 'C': c->cell = optarg; break;
		case 'S': c->smtp = optarg; break;
		case 'u': c->smtp_user = optarg; break;
		case 'F': c->smtp_pass_file = optarg; break;
		case 'M': c->sendmail = optarg; break;
		case 'A': c->cacert = optarg; break;
		case 'i': c->imap = optarg; break;
		case 'U': c->imap_user = optarg; break;
		case 'G': c->imap_pass_file = optarg; break;
		case 'm': c->maildir = optarg; break;
		case 'b': c->mbox = optarg; break;
		case 'x': c->emlx = optarg; break;
		case 'W': c->prog = optarg; break;
		case 'E': c->sent = optarg; break;
		case 'Z': c->profile = optarg; break;
		case 'I':
		case 'j':
		case 'r':
		case 'D':
		case '1':
		case 'w':
		case 'f':
		case 's':
		case 'K':
		case 'Y': break;
		case ':': return cli_usage("%s needs a value", argv[optind - 1]);
		default: return cli_usage("unknown option %s", argv[optind - 1]);
		}
	}
	c->args = argv + optind;
	c->nargs = argc - optind;
	return 0;
}

int
cli_main(int argc, char **argv, int (*wizard)(const char *home_dir))
{
	struct cli c = {0};
	struct err e = ERR_INIT;
	const char *home_opt = NULL;
	const struct verb *v = NULL;
	int rc;

	/* A file-size limit must fail the write with EFBIG (reported, the
	 * home left as it was), not kill the process mid-save. */
	signal(SIGXFSZ, SIG_IGN);
	xno_core_dumps();
	xsecure_heap_init();
	cli_out_filter_stderr();
	if ((rc = parse(&c, argc, argv, &home_opt)) != 0)
		goto out;
	if (home_resolve(home_opt, &c.home_dir, &e) != 0) {
		err_code(&e, ERR_USAGE);
		rc = cli_fail(&c, &e);
		goto out;
	}
	if (c.nargs == 0) {
		if (c.given != 0) {
			rc = cli_usage("--%s needs a command", opt_name(c.given & -c.given));
			goto out;
		}
		if (wizard == NULL) {
			rc = cli_usage("no command given");
			goto out;
		}
		rc = wizard(c.home_dir);
		goto out;
	}
	cli_out_filter_stdout();
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(c.args[0], verbs[i].name) == 0)
			v = &verbs[i];
	if (v == NULL) {
		rc = cli_usage("unknown command \"%s\"", c.args[0]);
		goto out;
	}
	c.args++;
	c.nargs--;
	if (c.given & ~v->opts) {
		unsigned long long bad = c.given & ~v->opts;

		rc = cli_usage("--%s does not apply to %s", opt_name(bad & -bad), v->name);
		goto out;
	}
	if (c.nargs < v->min_args || c.nargs > v->max_args) {
		rc = cli_usage("usage: padseal %s", v->usage);
		goto out;
	}
	c.s = session_new(c.home_dir);
	c.ask.fn = cli_ask;
	c.ask.arg = &c;
	rc = v->run(&c);
out:
	session_close(c.s);
	free(c.emails);
	free(c.home_dir);
	return rc;
}
