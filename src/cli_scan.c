/* The verb scan: the certificates a mailbox still carries, by address. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_int.h"
#include "json.h"
#include "op.h"
#include "scan.h"

static const char *const status_word[] = {
	[SCAN_CURRENT] = "current",
	[SCAN_ARCHIVED_OWN] = "yours-archived",
	[SCAN_HELD] = "held-not-trusted",
	[SCAN_UNKNOWN] = "not-held",
};

static void
json_scan(const char *box, const struct scan *sc, size_t stale)
{
	int first = 1;

	printf("{");
	json_field(stdout, &first, "mailbox", box);
	printf(",\"messages\":%zu,\"signed\":%zu,\"stale\":%zu,\"certificates\":[", sc->messages,
	       sc->signed_msgs, stale);
	for (size_t i = 0; i < sc->n; i++) {
		const struct scan_cert *c = &sc->certs[i];
		int f = 1;

		printf(i ? ",{" : "{");
		json_key(stdout, &f, "addresses");
		printf("[");
		for (size_t a = 0; a < c->n_addrs; a++) {
			printf(a ? "," : "");
			json_str(stdout, c->addrs[a]);
		}
		printf("]");
		json_field(stdout, &f, "fingerprint_sha256", c->colon);
		json_field(stdout, &f, "status", status_word[c->status]);
		json_field_bool(stdout, &f, "stale", scan_stale(sc, c));
		json_field(stdout, &f, "not_after", c->not_after);
		json_field(stdout, &f, "last_signed", c->last_signed[0] ? c->last_signed : NULL);
		printf(",\"messages\":%zu,\"where\":[", c->n_msgs);
		for (size_t w = 0; w < c->n_msgs && w < SCAN_WHERE_MAX; w++) {
			printf(w ? "," : "");
			json_str(stdout, c->where[w]);
		}
		printf("]}");
	}
	printf("]}\n");
}

static void
print_scan(const char *box, const struct scan *sc, size_t stale)
{
	static const char *const said[] = {
		[SCAN_CURRENT] = "current",
		[SCAN_ARCHIVED_OWN] = "OLD (an archived certificate of yours)",
		[SCAN_HELD] = "held, not trusted",
		[SCAN_UNKNOWN] = "not in padseal",
	};
	const char *last = "";

	printf("%s: %zu messages, %zu signed, %zu certificates\n", box, sc->messages,
	       sc->signed_msgs, sc->n);
	for (size_t i = 0; i < sc->n; i++) {
		const struct scan_cert *c = &sc->certs[i];
		const char *addr = c->n_addrs ? c->addrs[0] : "(no address)";
		int old = scan_stale(sc, c);

		if (strcmp(addr, last) != 0)
			printf("\n%s\n", addr);
		last = addr;
		printf("  %s  %s, until %.10s, in %zu message%s\n", old ? "OLD    " : "       ",
		       c->colon, c->not_after, c->n_msgs, c->n_msgs == 1 ? "" : "s");
		printf("         %s%s%s\n", said[c->status],
		       c->last_signed[0] ? "; last signed " : "", c->last_signed);
		for (size_t w = 0; old && w < c->n_msgs && w < SCAN_WHERE_MAX; w++)
			printf("           %s\n", c->where[w]);
		if (old && c->n_msgs > SCAN_WHERE_MAX)
			printf("           and %zu more\n", c->n_msgs - SCAN_WHERE_MAX);
	}
	if (stale > 0)
		printf("\n%zu old certificate%s still in this mailbox. A mail program that reads these "
		       "messages takes the certificate again and may pick it instead of the current "
		       "one: remove the old one from the program's certificate store (the keychain, "
		       "Thunderbird's Certificate Manager), and delete or archive away the messages "
		       "listed under it.\n",
		       stale, stale == 1 ? " is" : "s are");
	else if (sc->n > 0)
		printf("\nNo old certificates: one certificate per address.\n");
}

int
cmd_scan(struct cli *c)
{
	struct err e = ERR_INIT, first = ERR_INIT;
	struct cli_box b;
	struct scan sc;
	size_t damaged = 0, stale = 0;
	int rc;

	if (c->nargs == 0 && !(c->given & (O_MAILDIR | O_MBOX | O_EMLX | O_IMAP)))
		cli_kept_box(c); /* the mailbox kept */
	if ((c->nargs == 1) == ((c->given & (O_MAILDIR | O_MBOX | O_EMLX | O_IMAP)) != 0))
		return cli_usage(
			"usage: padseal scan MAILBOX|--maildir DIR|--mbox FILE|--emlx DIR|--imap URL [--json]");
	if ((rc = cli_box(c, c->nargs ? c->args[0] : NULL, &b)) != 0)
		return rc;
	rc = op_scan(c->s, &b.bx.mb, time(NULL), &sc, &damaged, &first, &e);
	cli_box_clear(&b);
	if (rc != 0)
		return cli_fail(c, &e);
	if (damaged > 0)
		cli_warn("%zu damaged messages passed over; the first: %s", damaged, first.msg);
	for (size_t i = 0; i < sc.n; i++)
		stale += scan_stale(&sc, &sc.certs[i]) != 0;
	if (c->given & O_JSON)
		json_scan(b.bx.mb.path, &sc, stale);
	else
		print_scan(b.bx.mb.path, &sc, stale);
	scan_free(&sc);
	return EXIT_OK;
}
