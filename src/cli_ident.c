/* The verbs about one's own identity and about certificates in general:
 * create, show, cert, fingerprint, lint, status. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "addr.h"
#include "checklist.h"
#include "cli_int.h"
#include "cred.h"
#include "fileio.h"
#include "fpr.h"
#include "ident.h"
#include "isotime.h"
#include "json.h"
#include "lint.h"
#include "pass.h"
#include "peer.h"
#include "state.h"
#include "words.h"

void
print_lint(const struct lint_report *r)
{
	size_t n[3] = {lint_count(r, LINT_ERROR), lint_count(r, LINT_WARNING),
		       lint_count(r, LINT_INFO)};

	for (size_t i = 0; i < r->n; i++) {
		const struct lint_finding *f = &r->f[i];

		printf("  %-7s %s\n", lint_sev_name(f->sev), f->text);
		if (f->clients && *f->clients)
			printf("          affects: %s\n", f->clients);
		if (f->fix && *f->fix)
			printf("          fix: %s\n", f->fix);
	}
	printf("  %zu error%s, %zu warning%s, %zu note%s\n", n[0], n[0] == 1 ? "" : "s", n[1],
	       n[1] == 1 ? "" : "s", n[2], n[2] == 1 ? "" : "s");
}

void
json_lint(FILE *f, const struct lint_report *r)
{
	fputc('[', f);
	for (size_t i = 0; i < r->n; i++) {
		int first = 1;

		fputs(i ? ",{" : "{", f);
		json_field(f, &first, "severity", lint_sev_name(r->f[i].sev));
		json_field(f, &first, "code", r->f[i].code);
		json_field(f, &first, "text", r->f[i].text);
		json_field(f, &first, "clients", r->f[i].clients);
		json_field(f, &first, "fix", r->f[i].fix);
		fputc('}', f);
	}
	fputc(']', f);
}

static void
print_grouped(const char *label, const char *grouped)
{
	printf("%s\n", label);
	for (const char *p = grouped; *p;) {
		size_t n = strcspn(p, "\n");

		printf("  %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

void
print_ident(const struct ident *id)
{
	printf("%s%s\n", id->name, id->current ? "" : "  (archived)");
	for (size_t i = 0; i < id->n_emails; i++)
		printf("  %-12s %s\n", i ? "" : "addresses", id->emails[i]);
	printf("  %-12s %s\n", "key", id->key);
	printf("  %-12s %s to %s\n", "valid", id->not_before, id->not_after);
	printf("  %-12s %s\n", "serial", id->serial);
	printf("  %-12s %s\n", "SHA-256", id->fpr);
	printf("  %-12s %s\n", "SHA-1", id->fpr_sha1);
	printf("  %-12s %s\n", "stored", id->created);
	if (id->n_chain)
		printf("  %-12s %zu more certificate%s (its issuers)\n", "chain", id->n_chain,
		       id->n_chain == 1 ? "" : "s");
	if (id->backed_up)
		printf("  %-12s %s, %s%s%s\n", "backed up",
		       id->backup_at[0] ? id->backup_at : "yes",
		       id->backup_compat[0] ? id->backup_compat : "?", id->backup_path ? ", " : "",
		       id->backup_path ? id->backup_path : "");
	else if (id->current)
		printf("  %-12s %s\n", "backed up", "never: padseal backup --out FILE");
	if (!id->current)
		printf("  %-12s %s, %s\n", "archived", id->archived, id->reason);
}

static void
json_ident(FILE *f, const struct ident *id)
{
	int first = 1;

	fputc('{', f);
	json_field(f, &first, "name", id->name);
	json_key(f, &first, "emails");
	json_strs(f, id->emails, id->n_emails);
	json_field(f, &first, "key", id->key);
	json_field(f, &first, "serial", id->serial);
	json_field(f, &first, "not_before", id->not_before);
	json_field(f, &first, "not_after", id->not_after);
	json_field(f, &first, "fingerprint_sha256", id->fpr);
	json_field(f, &first, "fingerprint_sha1", id->fpr_sha1);
	json_field(f, &first, "status", id->current ? "current" : "archived");
	json_field(f, &first, "created", id->created);
	json_field(f, &first, "archived", id->current ? NULL : id->archived);
	json_field(f, &first, "reason", id->current ? NULL : id->reason);
	json_key(f, &first, "chain");
	fprintf(f, "%zu", id->n_chain);
	json_key(f, &first, "backup");
	if (id->backed_up) {
		int f2 = 1;

		fputc('{', f);
		json_field(f, &f2, "at", id->backup_at[0] ? id->backup_at : NULL);
		json_field(f, &f2, "compat", id->backup_compat[0] ? id->backup_compat : NULL);
		json_field(f, &f2, "path", id->backup_path);
		fputc('}', f);
	} else {
		fputs("null", f);
	}
	json_key(f, &first, "lint");
	json_lint(f, &id->lint);
	fputc('}', f);
}

int
cmd_create(struct cli *c)
{
	struct ident_new req = {
		.name = c->name,
		.emails = c->emails,
		.n_emails = c->n_emails,
		.key = c->key,
		.days = c->days,
		.replace = (c->given & O_REPLACE) != 0,
	};
	struct err e = ERR_INIT;
	struct state *st = NULL;
	struct home h;
	struct ident id = {0};
	char *pass = NULL;
	int rc;

	if (c->name == NULL || c->n_emails == 0)
		return cli_usage("create needs --name NAME and --email ADDR");
	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		return rc;
	/* Check everything before asking for a passphrase. */
	if (state_load(&h, &st, &e) != 0 || ident_check_new(&h, st, &req, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if ((rc = cli_new_pass(c, "the new key", &pass)) != 0)
		goto out;
	/* Lock for writing, then read the state again: another process may
	 * have changed it while we asked. */
	state_free(st);
	st = NULL;
	if (home_upgrade(&h, &e) != 0 || state_load(&h, &st, &e) != 0 ||
	    ident_create(&h, st, &req, NULL, pass, &id, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	printf("Created a credential for %s <%s>\n\n", id.name, id.emails[0]);
	print_ident(&id);
	print_grouped("\nFingerprint to read aloud (SHA-256):", id.grouped);
	printf("\nLint:\n");
	print_lint(&id.lint);
	printf("\nNext: back up your credential: padseal backup --out FILE\n");
out:
	ident_clear(&id);
	pass_free(pass);
	state_free(st);
	home_close(&h);
	return rc;
}

int
cmd_show(struct cli *c)
{
	struct err e = ERR_INIT;
	struct state *st = NULL;
	struct ident *list = NULL;
	size_t n = 0;
	struct home h;
	int rc;

	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		return rc;
	if (state_load(&h, &st, &e) != 0 || ident_list(&h, st, &list, &n, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if (c->given & O_JSON) {
		int first = 1;
		size_t i = 0;

		printf("{");
		json_key(stdout, &first, "current");
		if (n > 0 && list[0].current)
			json_ident(stdout, &list[i++]);
		else
			printf("null");
		json_key(stdout, &first, "archived");
		printf("[");
		for (size_t j = i; j < n; j++) {
			if (j > i)
				printf(",");
			json_ident(stdout, &list[j]);
		}
		printf("]}\n");
	} else if (n == 0) {
		printf("No credential yet. Create one with:\n"
		       "  padseal create --name \"Your Name\" --email you@example.org\n");
	} else {
		for (size_t i = 0; i < n; i++) {
			if (i)
				printf("\n");
			print_ident(&list[i]);
			if (list[i].current) {
				printf("  lint:\n");
				print_lint(&list[i].lint);
			}
		}
		if (!list[0].current)
			printf("\nThere is no current credential; every one above is archived.\n");
	}
out:
	ident_list_free(list, n);
	state_free(st);
	home_close(&h);
	return rc;
}

int
cmd_cert(struct cli *c)
{
	struct err e = ERR_INIT;
	struct state *st = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	struct home h;
	int der = (c->given & O_DER) != 0, rc;

	if (der && c->out == NULL && isatty(STDOUT_FILENO))
		return cli_usage("DER is binary and would garble the terminal: add --out FILE");
	if (c->to != NULL && addr_check(c->to, &e) != 0)
		return cli_fail(c, &e, EXIT_NO);
	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		return rc;
	if (state_load(&h, &st, &e) != 0 || ident_cert_export(&h, st, der, &buf, &len, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if ((rc = cli_output(c, buf, len)) != 0)
		goto out;
	if (c->to != NULL) {
		/* Handed over in person: step 3 counts it as sent to them. */
		char now[ISO_TIME_LEN];

		state_free(st);
		st = NULL;
		iso_now(now);
		if (home_upgrade(&h, &e) != 0 || state_load(&h, &st, &e) != 0) {
			rc = cli_fail(c, &e, EXIT_NO);
			goto out;
		}
		peer_note_sent(st, c->to, now);
		if (state_save(&h, st, &e) != 0) {
			rc = cli_fail(c, &e, EXIT_NO);
			goto out;
		}
	}
	if (c->out != NULL)
		fprintf(stderr,
			"Wrote your certificate to %s: give it to %s, then compare fingerprints by phone.\n",
			c->out, c->to ? c->to : "your correspondent");
out:
	free(buf);
	state_free(st);
	home_close(&h);
	return rc;
}

/* The certificate of the current identity (no operand), of an existing
 * FILE, or of a correspondent (PEER: an address or a fingerprint prefix).
 * Returns 0 or the exit status after printing the error. */
static int
target_cert(const struct cli *c, X509 **out, char *what, size_t whatlen)
{
	struct err e = ERR_INIT;
	struct state *st = NULL;
	unsigned char *buf = NULL;
	const char *arg = c->nargs ? c->args[0] : NULL;
	size_t len = 0;
	struct home h = {0};
	int rc = 0, home_used = 0;

	*out = NULL;
	if (arg != NULL &&
	    (path_exists(arg) || (strchr(arg, '@') == NULL && peer_hex_digits(arg) == 0))) {
		if (file_read(arg, FILE_MAX_CERT, &buf, &len, &e) != 0)
			rc = cli_fail(c, &e, EXIT_NO);
		snprintf(what, whatlen, "%s", arg);
		goto parse;
	}
	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		return rc;
	home_used = 1;
	if (state_load(&h, &st, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
	} else if (arg == NULL) {
		if (ident_cert_export(&h, st, 1, &buf, &len, &e) != 0)
			rc = cli_fail(c, &e, EXIT_NO);
		snprintf(what, whatlen, "your certificate");
	} else {
		struct rec *r = NULL;

		if ((rc = cli_peer(c, st, arg, &r)) == 0) {
			snprintf(what, whatlen, "the certificate of %s", rec_get(r, "email"));
			if (peer_cert(&h, r, out, &e) != 0)
				rc = cli_fail(c, &e, EXIT_NO);
		}
	}
parse:
	if (rc == 0 && *out == NULL && cert_parse(buf, len, what, out, &e) != 0)
		rc = cli_fail(c, &e, EXIT_NO);
	free(buf);
	state_free(st);
	if (home_used)
		home_close(&h);
	return rc;
}

/* The words of the fingerprint, groups as fpr_grouped numbers them. */
static void
json_words(const unsigned char *d, size_t n)
{
	char hex[FPR_HEX_LEN];

	fpr_hex(d, n, hex);
	printf("\"groups\":[");
	for (size_t g = 0; g * FPR_GROUP_HEX < 2 * n; g++)
		printf("%s\"%.*s\"", g ? "," : "", FPR_GROUP_HEX, hex + g * FPR_GROUP_HEX);
	printf("],\"words\":[");
	for (size_t i = 0; i < n; i++)
		printf("%s\"%s\"", i ? "," : "", words_word(d[i], i));
	printf("]");
}

int
cmd_fingerprint(struct cli *c)
{
	enum fpr_alg alg = (c->given & O_SHA1) ? FPR_SHA1 : FPR_SHA256;
	unsigned char d[FPR_MAX];
	char colon[FPR_COLON_LEN], grouped[FPR_GROUPED_LEN], what[512];
	char words[WORDS_GROUPED_LEN];
	X509 *cert;
	size_t n;
	int rc;

	if ((rc = target_cert(c, &cert, what, sizeof what)) != 0)
		return rc;
	n = fpr_digest(cert, alg, d);
	fpr_colon(d, n, colon);
	fpr_grouped(d, n, grouped, sizeof grouped);
	words_grouped(d, n, words, sizeof words);
	if (c->given & O_JSON) {
		int first = 1;

		printf("{");
		json_field(stdout, &first, "algorithm", alg == FPR_SHA1 ? "sha1" : "sha256");
		json_field(stdout, &first, "fingerprint", colon);
		printf(",");
		json_words(d, n);
		printf("}\n");
	} else {
		/* Line 1 is exactly what openssl prints after "Fingerprint=". */
		printf("%s\n\n", colon);
		print_grouped(alg == FPR_SHA1 ?
				      "SHA-1 fingerprint (the legacy form older clients show), to read aloud:" :
				      "SHA-256 fingerprint, to read aloud:",
			      grouped);
		if (c->given & O_WORDS)
			print_grouped("\nThe same as words (PGP word list), to read aloud, group by group:",
				      words);
	}
	X509_free(cert);
	return EXIT_OK;
}

int
cmd_lint(struct cli *c)
{
	struct lint_report r;
	char what[512];
	X509 *cert;
	int rc;

	if ((rc = target_cert(c, &cert, what, sizeof what)) != 0)
		return rc;
	lint_cert(cert, NULL, time(NULL), &r);
	if (c->given & O_JSON) {
		int first = 1;
		char colon[FPR_COLON_LEN];

		fpr_cert_colon(cert, colon);
		printf("{");
		json_field(stdout, &first, "fingerprint_sha256", colon);
		json_key(stdout, &first, "findings");
		json_lint(stdout, &r);
		printf("}\n");
	} else {
		char *cn = cert_common_name(cert), **emails;
		size_t n = cert_emails(cert, &emails);

		printf("%s: %s%s%s%s\n", what, cn, n ? " <" : "", n ? emails[0] : "", n ? ">" : "");
		print_lint(&r);
		free(cn);
		cert_emails_free(emails, n);
	}
	X509_free(cert);
	return lint_count(&r, LINT_ERROR) ? EXIT_NO : EXIT_OK;
}

static void
json_steps(FILE *f, const int *step, int from, int to)
{
	int first = 1;

	fputc('{', f);
	for (int s = from; s < to; s++) {
		json_key(f, &first, step_name((enum step_id)s));
		json_str(f, step[s] ? "done" : "todo");
	}
	fputc('}', f);
}

static void
json_status(const struct checklist *cl)
{
	int first = 1;

	printf("{");
	json_key(stdout, &first, "identity");
	if (cl->has_ident) {
		int f2 = 1;

		printf("{");
		json_field(stdout, &f2, "name", cl->ident.name);
		json_key(stdout, &f2, "emails");
		json_strs(stdout, cl->ident.emails, cl->ident.n_emails);
		json_field(stdout, &f2, "fingerprint_sha256", cl->ident.fpr);
		json_field(stdout, &f2, "not_after", cl->ident.not_after);
		json_field_bool(stdout, &f2, "backed_up", cl->backed_up);
		printf("}");
	} else {
		printf("null");
	}
	json_key(stdout, &first, "steps");
	json_steps(stdout, cl->step, STEP_CREATE, STEP_EXCHANGE);
	json_key(stdout, &first, "peers");
	printf("[");
	for (size_t i = 0; i < cl->n_peers; i++) {
		const struct peer_progress *p = &cl->peers[i];
		int f2 = 1;

		printf(i ? ",{" : "{");
		json_field(stdout, &f2, "email", p->email);
		json_field(stdout, &f2, "fingerprint_sha256", p->fpr);
		json_key(stdout, &f2, "steps");
		json_steps(stdout, p->step, STEP_EXCHANGE, STEP_COUNT);
		json_field(stdout, &f2, "verified", p->verified);
		json_field_bool(stdout, &f2, "trusted", p->trusted);
		json_field_bool(stdout, &f2, "duplicate", p->duplicate);
		json_field_bool(stdout, &f2, "changed", p->changed);
		json_key(stdout, &f2, "matrix");
		printf("{");
		for (int d = 0; d < DIR_COUNT; d++) {
			int f3 = 1;

			printf(d ? ",\"in\":{" : "\"out\":{");
			for (int k = 0; k < KIND_COUNT; k++) {
				json_key(stdout, &f3, cell_kind_name((enum cell_kind)k));
				json_str(stdout, cell_state_name(p->cell[d][k]));
			}
			printf("}");
		}
		printf("}}");
	}
	printf("]");
	json_field(stdout, &first, "next", cl->next);
	printf("}\n");
}

static void
text_status(const struct checklist *cl)
{
	if (cl->has_ident)
		printf("Credential: %s <%s>, valid until %s, %s\n", cl->ident.name,
		       cl->ident.n_emails ? cl->ident.emails[0] : "?", cl->ident.not_after,
		       cl->backed_up ? "backed up" : "NOT backed up");
	else
		printf("Credential: none yet\n");
	printf("\n");
	for (int s = 0; s < STEP_COUNT; s++)
		printf("  %-5s %d. %s\n",
		       cl->step[s]             ? "done" :
		       s == (int)cl->next_step ? "next" :
						 "todo",
		       s + 1, step_title((enum step_id)s));
	for (size_t i = 0; i < cl->n_peers; i++) {
		const struct peer_progress *p = &cl->peers[i];

		printf("\n  %s  exchange %s, verify %s, trust %s, test %s%s%s\n", p->email,
		       p->step[STEP_EXCHANGE] ? "done" : "todo",
		       p->step[STEP_VERIFY] ? "done" : "todo",
		       p->step[STEP_TRUST] ? "done" : "todo", p->step[STEP_TEST] ? "done" : "todo",
		       p->duplicate ? "  [duplicate]" : "", p->changed ? "  [changed]" : "");
	}
	if (cl->n_problems) {
		printf("\nProblems:\n");
		for (size_t i = 0; i < cl->n_problems; i++)
			printf("  - %s\n", cl->problems[i]);
	}
	printf("\nNext: %s\n", cl->next);
}

int
cmd_status(struct cli *c)
{
	struct err e = ERR_INIT;
	struct checklist cl;
	struct home h;
	int rc;

	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		return rc;
	if (checklist_load(&h, &cl, &e) != 0) {
		home_close(&h);
		return cli_fail(c, &e, EXIT_NO);
	}
	if (c->given & O_JSON)
		json_status(&cl);
	else
		text_status(&cl);
	checklist_free(&cl);
	home_close(&h);
	return EXIT_OK;
}
