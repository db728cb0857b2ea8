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
#include "mailset.h"
#include "matrix.h"
#include "lint.h"
#include "op.h"
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
	if (id->form == FORM_CA) {
		printf("  %-12s your own CA, valid to %s%s\n", "form", id->ca_not_after,
		       id->ca_key ? "" : " (its key is not in this home)");
		printf("  %-12s %s\n", "CA SHA-256", id->ca_fpr);
	} else {
		printf("  %-12s %s\n", "form",
		       id->form == FORM_SELF_SIGNED ? "self-signed" : "issued by an authority");
	}
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
	json_field(f, &first, "form", ident_form_name(id->form));
	json_field(f, &first, "ca_fingerprint_sha256", id->form == FORM_CA ? id->ca_fpr : NULL);
	json_field(f, &first, "ca_not_after", id->form == FORM_CA ? id->ca_not_after : NULL);
	json_key(f, &first, "ca_key");
	fputs(id->ca_key ? "true" : "false", f);
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
	struct op_create req = {
		.req = {.name = c->name,
			.emails = c->emails,
			.n_emails = c->n_emails,
			.key = c->key,
			.days = c->days,
			.replace = (c->given & O_REPLACE) != 0,
			.self_signed = (c->given & O_SELF_SIGNED) != 0},
		.now = time(NULL),
	};
	struct err e = ERR_INIT;
	struct ident id = {0};

	if (c->name == NULL || c->n_emails == 0)
		return cli_usage("create needs --name NAME and --email ADDR");
	if (op_create(c->s, &req, &c->ask, &id, &e) != 0)
		return cli_fail(c, &e);
	printf("Created a credential for %s <%s>\n\n", id.name, id.emails[0]);
	print_ident(&id);
	print_grouped("\nFingerprint to read aloud (SHA-256):", id.grouped);
	printf("\nLint:\n");
	print_lint(&id.lint);
	printf("\nNext: back up your credential: padseal backup --out FILE\n");
	ident_clear(&id);
	return EXIT_OK;
}

int
cmd_renew(struct cli *c)
{
	struct err e = ERR_INIT;
	struct ident id = {0};

	if (op_renew(c->s, (c->given & O_KEEP_KEY) != 0, c->days, time(NULL), &c->ask, &id, &e) !=
	    0)
		return cli_fail(c, &e);
	printf("Renewed: a new certificate for %s <%s> from your own CA%s; the old one is archived (its key is kept to read old mail)\n\n",
	       id.name, id.emails[0], (c->given & O_KEEP_KEY) ? " (same key)" : ", with a new key");
	print_ident(&id);
	printf("\nCorrespondents who trust your CA take the new certificate without a new phone call."
	       "\nNext: send it to each of them: padseal intro --to ADDR; then back it up: padseal backup --out FILE\n");
	ident_clear(&id);
	return EXIT_OK;
}

int
cmd_show(struct cli *c)
{
	struct err e = ERR_INIT;
	struct ident *list = NULL;
	size_t n = 0;

	if (op_idents(c->s, time(NULL), &list, &n, &e) != 0)
		return cli_fail(c, &e);
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
	ident_list_free(list, n);
	return EXIT_OK;
}

int
cmd_cert(struct cli *c)
{
	struct err e = ERR_INIT;
	struct sink out;
	struct sink_file f;
	int der = (c->given & O_DER) != 0;

	if (der && c->out == NULL && isatty(STDOUT_FILENO))
		return cli_usage("DER is binary and would garble the terminal: add --out FILE");
	cli_sink(c, &out, &f);
	if (op_cert(c->s, der, c->to, &out, time(NULL), &e) != 0)
		return cli_fail(c, &e);
	if (c->out != NULL && strcmp(c->out, "-") != 0)
		fprintf(stderr,
			"Wrote your certificate to %s: give it to %s, then compare fingerprints by phone.\n",
			c->out, c->to ? c->to : "your correspondent");
	return EXIT_OK;
}

/* The certificate of the current identity (no operand), of an existing
 * FILE, or of a correspondent (PEER: an address or a fingerprint prefix).
 * Returns 0 or the exit status after printing the error. */
static int
target_cert(struct cli *c, int anchor, X509 **out, int *ca, char *what, size_t whatlen)
{
	struct err e = ERR_INIT;
	unsigned char *buf = NULL;
	const char *arg = c->nargs ? c->args[0] : NULL;
	size_t len = 0;
	int rc = 0;

	*out = NULL;
	*ca = 0;
	if (arg == NULL ||
	    (!path_exists(arg) && (strchr(arg, '@') != NULL || peer_hex_digits(arg) > 0))) {
		if (anchor)
			rc = op_anchor_of(c->s, arg, out, ca, what, whatlen, &e);
		else
			rc = op_cert_of(c->s, arg, out, what, whatlen, &e);
		return rc == 0 ? 0 : cli_fail(c, &e);
	}
	if (file_read(arg, FILE_MAX_CERT, &buf, &len, &e) != 0)
		rc = cli_fail(c, &e);
	snprintf(what, whatlen, "%s", arg);
	if (rc == 0 && cert_parse(buf, len, what, out, &e) != 0)
		rc = cli_fail(c, &e);
	free(buf);
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
	int rc, ca;

	/* For the CA form, the CA's: what is compared by phone (trust.h). */
	if ((rc = target_cert(c, 1, &cert, &ca, what, sizeof what)) != 0)
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
		json_field(stdout, &first, "of", ca ? "ca" : "certificate");
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
		if (ca)
			printf("\nThis is the fingerprint of %s (it issued the mail\n"
			       "certificate): what you compare by phone; a renewal by the same CA\n"
			       "needs no new call.\n",
			       what);
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
	int rc, ca;

	if ((rc = target_cert(c, 0, &cert, &ca, what, sizeof what)) != 0)
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

/* The name a sentence uses for correspondent `i` of the next step: its
 * address, or its fingerprint (16 hex digits) when its address has other
 * certificates and this one is not the trusted one. */
static void
next_who(const struct checklist *cl, char *buf, size_t len)
{
	const struct st_peer *p = cl->peers[cl->next.peer].p;

	if (cl->next.by_fingerprint)
		snprintf(buf, len, "%.16s", p->hex);
	else
		snprintf(buf, len, "%s", p->addr[0]);
}

void
cli_peer_table(const struct checklist *cl)
{
	/* The address column as wide as the longest address (up to 40; a
	 * longer one pushes its row). */
	size_t aw = strlen("Correspondent");

	for (size_t i = 0; i < cl->n_peers; i++) {
		size_t n = strlen(cl->peers[i].p->addr[0]);

		aw = n > aw ? (n > 40 ? 40 : n) : aw;
	}
	if (cl->n_peers)
		printf("  %-*s  Exchange  Verify  Trust  Test\n", (int)aw, "Correspondent");
	for (size_t i = 0; i < cl->n_peers; i++) {
		const struct peer_progress *p = &cl->peers[i];
		char rehearsed[64] = "";

		if (p->passed > p->tested)
			snprintf(rehearsed, sizeof rehearsed,
				 " (%d rehearsed with padseal's messages)", p->passed - p->tested);
		printf("  %-*s  %-8s  %-6s  %-5s  %d of 8 passed%s%s%s%s%s\n", (int)aw,
		       p->p->addr[0], p->step[STEP_EXCHANGE] ? "done" : "todo",
		       p->step[STEP_VERIFY] ? "done" : "todo",
		       p->step[STEP_TRUST] ? "done" : "todo", p->tested, rehearsed,
		       p->duplicate ? "  [duplicate]" : "", p->changed ? "  [changed]" : "",
		       p->retired ? "  [set aside]" : "",
		       p->trusted && p->p->renewed_from[0] ?
			       "\n    trusted (renewed by the CA you verified)" :
			       "");
	}
}

void
cli_next_sentence(const struct checklist *cl, char *buf, size_t len)
{
	const char *email = cl->next.peer != NO_PEER ? cl->peers[cl->next.peer].p->addr[0] : NULL;
	char who[ADDR_MAX] = "";

	if (email != NULL)
		next_who(cl, who, sizeof who);
	if (cl->next.changed) {
		snprintf(buf, len,
			 "The certificate of %s changed since you verified it: compare fingerprints again by phone: padseal compare %s \"what they read\"",
			 email, who);
		return;
	}
	switch (cl->next.step) {
	case STEP_CREATE:
		snprintf(buf, len,
			 "Create your credential: padseal create --name \"Your Name\" --email you@example.org");
		break;
	case STEP_BACKUP:
		snprintf(buf, len,
			 "Back up your credential: padseal backup --out padseal-backup.p12, then keep a copy off this machine");
		break;
	case STEP_EXCHANGE:
		if (email == NULL && cl->next.awaited[0])
			snprintf(buf, len,
				 "Import %s's certificate when it comes (their signed mail or certificate file): padseal import FILE",
				 cl->next.awaited);
		else if (email == NULL)
			snprintf(buf, len,
				 "Send your certificate to a correspondent: padseal intro --to them@example.org --out intro.eml, and import theirs with padseal import FILE");
		else
			snprintf(buf, len,
				 "Exchange certificates with %s: padseal intro --to %s --out intro.eml",
				 email, email);
		break;
	case STEP_VERIFY:
		snprintf(buf, len,
			 "Compare fingerprints with %s by phone: padseal compare %s \"what they read\"",
			 email, who);
		break;
	case STEP_TRUST:
		snprintf(buf, len,
			 "Trust %s's verified certificate: padseal trust %s --verified phone",
			 email, who);
		break;
	case STEP_TEST:
		if (cl->peers[cl->next.peer].passed == DIR_COUNT * KIND_COUNT)
			snprintf(buf, len,
				 "Test with %s using your mail programs (padseal's own messages passed: that was the rehearsal): each sends the four kinds from their mail program, then padseal matrix check --imap URL (or the saved files)",
				 email);
		else
			snprintf(buf, len,
				 "Test with %s: padseal matrix send --to %s --out DIR, then check what comes back",
				 email, email);
		break;
	default:
		snprintf(buf, len,
			 "All done: you and your correspondents exchange signed and encrypted mail, proven both ways");
	}
}

void
cli_problem_sentence(const struct checklist *cl, const struct problem *p, char *buf, size_t len)
{
	const struct peer_progress *pp = p->peer != NO_PEER ? &cl->peers[p->peer] : NULL;
	char colon[FPR_COLON_LEN], was[FPR_COLON_LEN];

	switch (p->kind) {
	case PROB_LINT_ERRORS:
		snprintf(buf, len, "Your certificate has %zu lint error%s: see padseal lint",
			 p->count, p->count == 1 ? "" : "s");
		break;
	case PROB_EXPIRED:
		if (cl->ident.form == FORM_CA && cl->ident.ca_key &&
		    cl->ident.ca_not_after_t > cl->ident.not_after_t)
			snprintf(buf, len,
				 "Your certificate expired on %s: renew it from your own CA (padseal renew; no new phone call) and send the new one to your correspondents (padseal intro)",
				 p->date);
		else
			snprintf(buf, len,
				 "Your certificate expired on %s: create a new one with padseal create --replace",
				 p->date);
		break;
	case PROB_EXPIRES_SOON:
		if (p->count == 1)
			snprintf(buf, len,
				 "Your own CA expires on %s, and every certificate it issued with it: make a new credential soon (padseal create --replace) and compare its fingerprint with your correspondents again",
				 p->date);
		else if (cl->ident.form == FORM_CA && cl->ident.ca_key &&
			 cl->ident.ca_not_after_t > cl->ident.not_after_t)
			snprintf(buf, len,
				 "Your certificate expires on %s: renew it from your own CA (padseal renew; no new phone call) and send the new one to your correspondents (padseal intro)",
				 p->date);
		else
			snprintf(buf, len,
				 "Your certificate expires on %s: make a new one soon (padseal create --replace) and send it to your correspondents",
				 p->date);
		break;
	case PROB_BACKUP_STALE:
		snprintf(buf, len,
			 "Your credential changed since the last backup (%s), which holds an older one: back up the current one with padseal backup",
			 p->date);
		break;
	case PROB_NEVER_BACKED_UP:
		snprintf(buf, len,
			 "Your credential has never been backed up: without a backup of the key, mail encrypted to you is lost with this machine");
		break;
	case PROB_PEER_CHANGED:
		peer_colon(pp->p, colon);
		peer_colon(pp->changed, was);
		snprintf(buf, len,
			 "The certificate of %s changed since you verified it \u2014 verify again: you verified %s, this one is %s",
			 pp->p->addr[0], was, colon);
		break;
	case PROB_PEER_DUPLICATE:
		snprintf(buf, len,
			 "The address %s has more than one certificate; clients pick one at random: keep the verified one and set the others aside with padseal untrust FINGERPRINT",
			 pp->p->addr[0]);
		break;
	}
}

static void
jw_steps(struct jw *j, const int *step, int from, int to)
{
	jw_open(j, '{');
	for (int s = from; s < to; s++)
		jw_field_word(j, step_name((enum step_id)s), step[s] ? "done" : "todo");
	jw_close(j, '}');
}

void
cli_jw_matrix(struct jw *j, const struct st_peer *p)
{
	jw_open(j, '{');
	for (int d = 0; d < DIR_COUNT; d++) {
		jw_key(j, cell_dir_name((enum cell_dir)d));
		jw_open(j, '{');
		for (int k = 0; k < KIND_COUNT; k++)
			jw_field_word(j, cell_kind_name((enum cell_kind)k),
				      cell_state_name(p->cell[d][k].state));
		jw_close(j, '}');
	}
	jw_close(j, '}');
}

void
cli_jw_writers(struct jw *j, const struct st_peer *p)
{
	jw_field_int(j, "tested", matrix_tested(p));
	jw_key(j, "written_by");
	jw_open(j, '{');
	for (int d = 0; d < DIR_COUNT; d++) {
		jw_key(j, cell_dir_name((enum cell_dir)d));
		jw_open(j, '{');
		for (int k = 0; k < KIND_COUNT; k++)
			jw_field(j, cell_kind_name((enum cell_kind)k), p->cell[d][k].by);
		jw_close(j, '}');
	}
	jw_close(j, '}');
}

static void
json_status(const struct checklist *cl, const struct mail_settings *ms)
{
	static struct jw j; /* 64 KiB: not on the stack */
	char next[512], colon[FPR_COLON_LEN];

	jw_init(&j, stdout);
	jw_open(&j, '{');
	jw_key(&j, "identity");
	if (cl->has_ident) {
		jw_open(&j, '{');
		jw_field(&j, "name", cl->ident.name);
		jw_key(&j, "emails");
		jw_open(&j, '[');
		for (size_t i = 0; i < cl->ident.n_emails; i++)
			jw_str(&j, cl->ident.emails[i]);
		jw_close(&j, ']');
		jw_field(&j, "fingerprint_sha256", cl->ident.fpr);
		jw_field(&j, "not_after", cl->ident.not_after);
		jw_field(&j, "form", ident_form_name(cl->ident.form));
		jw_field(&j, "ca_fingerprint_sha256",
			 cl->ident.form == FORM_CA ? cl->ident.ca_fpr : NULL);
		jw_field(&j, "ca_not_after",
			 cl->ident.form == FORM_CA ? cl->ident.ca_not_after : NULL);
		jw_field_bool(&j, "backed_up", cl->backed_up);
		jw_close(&j, '}');
	} else {
		jw_str(&j, NULL);
	}
	jw_key(&j, "steps");
	jw_steps(&j, cl->step, STEP_CREATE, STEP_EXCHANGE);
	jw_key(&j, "peers");
	jw_open(&j, '[');
	for (size_t i = 0; i < cl->n_peers; i++) {
		const struct peer_progress *pp = &cl->peers[i];
		const struct st_peer *p = pp->p;

		jw_open(&j, '{');
		jw_field(&j, "email", p->addr[0]);
		peer_colon(p, colon);
		jw_field_word(&j, "fingerprint_sha256", colon);
		jw_key(&j, "steps");
		jw_steps(&j, pp->step, STEP_EXCHANGE, STEP_COUNT);
		jw_field(&j, "verified", verify_method_name(p->verified));
		jw_field_bool(&j, "trusted", pp->trusted);
		jw_field_bool(&j, "duplicate", pp->duplicate);
		jw_field_bool(&j, "changed", pp->changed != NULL);
		jw_field_bool(&j, "retired", pp->retired);
		jw_field_bool(&j, "renewed", pp->trusted && p->renewed_from[0]);
		jw_key(&j, "matrix");
		cli_jw_matrix(&j, p);
		cli_jw_writers(&j, p);
		jw_close(&j, '}');
	}
	jw_close(&j, ']');
	cli_next_sentence(cl, next, sizeof next);
	jw_field(&j, "next", next);
	jw_key(&j, "mail");
	cli_jw_settings(&j, ms);
	jw_key(&j, "installs");
	cli_jw_installs(&j, cl);
	jw_close(&j, '}');
	jw_raw(&j, "\n", 1);
	jw_flush(&j);
}

static void
text_status(const struct checklist *cl, const struct mail_settings *ms)
{
	char line[512];

	if (cl->has_ident)
		printf("Credential: %s <%s>, valid until %s, %s\n", cl->ident.name,
		       cl->ident.n_emails ? cl->ident.emails[0] : "?", cl->ident.not_after,
		       cl->backed_up ? "backed up" : "NOT backed up");
	if (cl->has_ident && cl->ident.form == FORM_CA)
		printf("  issued by your own CA (valid until %s, SHA-256 %.23s...)\n",
		       cl->ident.ca_not_after, cl->ident.ca_fpr);
	else if (!cl->has_ident)
		printf("Credential: none yet\n");
	printf("\n");
	for (int s = 0; s < STEP_COUNT; s++)
		printf("  %-5s %d. %s\n",
		       cl->step[s]             ? "done" :
		       s == (int)cl->next.step ? "next" :
						 "todo",
		       s + 1, step_title((enum step_id)s));
	if (cl->n_peers)
		printf("\n");
	cli_peer_table(cl);
	if (cl->n_problems) {
		printf("\nProblems:\n");
		for (size_t i = 0; i < cl->n_problems; i++) {
			cli_problem_sentence(cl, &cl->problems[i], line, sizeof line);
			printf("  - %s\n", line);
		}
		if (cl->n_problems_all > cl->n_problems)
			printf("  ... and %zu more (padseal peers lists them)\n",
			       cl->n_problems_all - cl->n_problems);
	}
	if (cl->n_installs) {
		printf("\nMail programs prepared (padseal install):\n");
		for (size_t i = 0; i < cl->n_installs; i++) {
			char inst[2048];

			cli_install_sentence(cl, &cl->installs[i], inst, sizeof inst);
			printf("  - %s\n", inst);
		}
	}
	if (mailset_any(ms)) {
		printf("\nMail settings (padseal settings; never a password):\n");
		cli_print_settings(ms, "  ");
	}
	cli_next_sentence(cl, line, sizeof line);
	printf("\nNext: %s\n", line);
}

int
cmd_status(struct cli *c)
{
	struct err e = ERR_INIT;
	struct mail_settings ms;
	struct checklist cl;

	if (op_mail_settings(c->s, &ms, &e) != 0)
		return cli_fail(c, &e);
	if (op_status(c->s, time(NULL), &cl, NULL, NULL, NULL, &e) != 0)
		return cli_fail(c, &e);
	if (c->given & O_JSON)
		json_status(&cl, &ms);
	else
		text_status(&cl, &ms);
	checklist_free(&cl);
	return EXIT_OK;
}
