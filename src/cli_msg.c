/* The verbs read and import: opening a message as the user's mail client
 * would, and taking a correspondent's certificate from a message or file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli_int.h"
#include "fileio.h"
#include "fpr.h"
#include "import.h"
#include "json.h"
#include "lint.h"
#include "msg.h"
#include "op.h"
#include "pass.h"
#include "peer.h"
#include "state.h"
#include "xalloc.h"

#define MAX_PROBLEMS (MSG_MAX_LAYERS * 5 + 2)

/* Print `s` with terminal control characters (escape sequences a hostile
 * message could carry) made harmless. */
static void
put_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	/* Runs of harmless bytes go out whole: a byte at a time through stdio
	 * was most of the time of reading a large message. */
	for (;;) {
		size_t n = 0;

		while (p[n] >= 0x20 ? p[n] != 0x7f : p[n] == '\n' || p[n] == '\t')
			n++;
		fwrite(p, 1, n, stdout);
		p += n;
		if (*p == '\0')
			return;
		putchar('?');
		p++;
	}
}

/* --- what is wrong, and what to do --------------------------------------- */

static void
signed_problems(const struct msg_report *r, const struct msg_layer *l, const char *file,
		char (*out)[512], size_t *n)
{
	const char *who = l->signer[0] ? l->signer : "an unknown signer";

	if (l->sig == SIG_INVALID)
		snprintf(out[(*n)++], 512,
			 "the signature by %s is invalid: %s; do not rely on this message", who,
			 l->note);
	else if (l->sig == SIG_UNCHECKABLE)
		snprintf(out[(*n)++], 512, "the signature cannot be checked: %s", l->note);
	else if (l->changed && l->known_fpr[0])
		snprintf(out[(*n)++], 512,
			 "the certificate of %s changed since you verified it — verify again: this message is signed with %s, the one you verified is %s",
			 who, l->signer_fpr, l->known_fpr);
	else if (l->changed)
		snprintf(out[(*n)++], 512,
			 "the certificate of %s changed since you verified one for this address — verify again (this one is %s)",
			 who, l->signer_fpr);
	else if (!l->trusted && l->held)
		snprintf(out[(*n)++], 512,
			 "the signature by %s is valid, but you have not verified that certificate: compare fingerprints by phone (padseal compare %s TEXT), then trust it with: padseal trust %s --verified phone",
			 who, who, who);
	else if (!l->trusted)
		snprintf(out[(*n)++], 512,
			 "the signature by %s is valid, but you do not hold that certificate yet: padseal import %s, compare fingerprints by phone (padseal compare %s TEXT), then trust it with: padseal trust %s --verified phone",
			 who, file, who, who);
	if (l->from_mismatch)
		snprintf(out[(*n)++], 512,
			 "the signer %s is not the sender (From: %s): the signature does not vouch for the sender",
			 who, r->from);
	if (l->expired_at_signing)
		snprintf(out[(*n)++], 512,
			 "the certificate of %s was not valid when the message was signed (%s)",
			 who,
			 l->signed_at[0] ? l->signed_at :
					   "no signing time given; checked against now");
	if (l->sha1)
		snprintf(out[(*n)++], 512,
			 "the signature uses SHA-1: Thunderbird 115 and later show it as invalid; ask %s to sign with SHA-256",
			 who);
}

static size_t
problems(const struct msg_report *r, const char *file, char (*out)[512])
{
	size_t n = 0;

	if (r->from_lines > 1)
		snprintf(out[n++], 512,
			 "the message has %zu From: lines; mail programs differ on which one they show, so who sent it is unclear (padseal read the first, %s): do not rely on this message",
			 r->from_lines, r->from[0] ? r->from : "without an address");
	for (size_t i = 0; i < r->n_layers; i++) {
		const struct msg_layer *l = &r->layer[i];

		if (l->kind == LAYER_SIGNED)
			signed_problems(r, l, file, out, &n);
		else if (!l->opened)
			snprintf(out[n++], 512, "the encrypted part was not opened: %s", l->note);
		else if (l->opened_with_archived)
			snprintf(out[n++], 512,
				 "it was opened with your archived credential %.16s...: keep that key as long as you keep old mail",
				 l->opened_with);
	}
	if (r->outside)
		snprintf(out[n++], 512,
			 "%zu part%s of this message %s outside its S/MIME protection and %s not shown: %s not signed or encrypted",
			 r->outside, r->outside == 1 ? "" : "s", r->outside == 1 ? "is" : "are",
			 r->outside == 1 ? "is" : "are", r->outside == 1 ? "it is" : "they are");
	if (r->pgp)
		snprintf(out[n++], 512,
			 "the message has an OpenPGP signature, which padseal does not check");
	return n;
}

/* --- read ---------------------------------------------------------------- */

/* What the protection does not cover, as careful mail programs say; NULL
 * for a message without S/MIME. */
static const char *
unprotected(const struct msg_report *r)
{
	if (r->kind == KIND_SIGNED || r->kind == KIND_SIGNED_ENCRYPTED)
		return "the Subject, Date and To lines are outside the signature: only the text and its attachments are protected";
	if (r->kind == KIND_ENCRYPTED)
		return "encrypted but not signed: anyone could have written or changed it";
	return NULL;
}

static void
print_report(struct msg_report *r, char (*probs)[512], size_t np)
{
	char line[2048];

	msg_layers_line(r, line, sizeof line);
	printf("Layers:  ");
	put_clean(line);
	printf("\nKind:    %s\n", cell_kind_name(r->kind));
	printf("From:    ");
	put_clean(r->from_name[0] ? r->from_name : "");
	printf(r->from_name[0] ? " <" : "");
	put_clean(r->from[0] ? r->from : "(none)");
	printf(r->from_name[0] ? ">\nTo:      " : "\nTo:      ");
	put_clean(r->to[0] ? r->to : "(none)");
	printf("\nSubject: ");
	put_clean(r->subject);
	printf("\nDate:    ");
	put_clean(r->date);
	printf("\nParts:   ");
	put_clean(r->parts);
	putchar('\n');
	for (size_t i = 0; i < r->n_layers; i++)
		if (r->layer[i].kind == LAYER_SIGNED && r->layer[i].signer_fpr[0])
			printf("Signer:  %s\n         SHA-256 %s\n", r->layer[i].signer,
			       r->layer[i].signer_fpr);
	if (unprotected(r) != NULL)
		printf("Note:    %s\n", unprotected(r));
	if (np)
		putchar('\n');
	for (size_t i = 0; i < np; i++) {
		printf("! ");
		put_clean(probs[i]);
		putchar('\n');
	}
	printf("\n");
	if (r->text != NULL) {
		char more[(64u << 10) + 1];
		size_t n, len = strlen(r->text);
		char last = len ? r->text[len - 1] : '\0';

		put_clean(r->text);
		while ((n = msg_text_more(r, more, sizeof more - 1)) > 0) {
			more[n] = '\0';
			put_clean(more);
			last = more[n - 1];
		}
		OPENSSL_cleanse(more, sizeof more);
		if (last && last != '\n')
			putchar('\n');
	}
}

static void
json_bool_or_null(FILE *f, int *first, const char *key, int applies, int v)
{
	json_key(f, first, key);
	fputs(!applies ? "null" : v ? "true" : "false", f);
}

static void
json_layer(FILE *f, const struct msg_layer *l)
{
	int first = 1, sig = l->kind == LAYER_SIGNED, env = !sig;
	static const char *const states[] = {"valid", "invalid", "uncheckable"};

	fputc('{', f);
	json_field(f, &first, "type",
		   sig                        ? "signed" :
		   l->kind == LAYER_ENVELOPED ? "enveloped" :
						"authenveloped");
	json_bool_or_null(f, &first, "opaque", sig, l->opaque);
	json_field(f, &first, "alg", l->alg);
	json_field(f, &first, "signature", sig ? states[l->sig] : NULL);
	json_field(f, &first, "signer", sig && l->signer[0] ? l->signer : NULL);
	json_field(f, &first, "signer_fingerprint_sha256",
		   sig && l->signer_fpr[0] ? l->signer_fpr : NULL);
	json_field(f, &first, "signed_at", sig && l->signed_at[0] ? l->signed_at : NULL);
	json_bool_or_null(f, &first, "trusted", sig, l->trusted);
	json_bool_or_null(f, &first, "own", sig, l->own);
	json_bool_or_null(f, &first, "held", sig, l->held);
	json_bool_or_null(f, &first, "changed", sig, l->changed);
	json_field(f, &first, "known_fingerprint_sha256",
		   sig && l->known_fpr[0] ? l->known_fpr : NULL);
	json_bool_or_null(f, &first, "from_mismatch", sig, l->from_mismatch);
	json_bool_or_null(f, &first, "expired_at_signing", sig, l->expired_at_signing);
	json_bool_or_null(f, &first, "sha1", sig, l->sha1);
	json_bool_or_null(f, &first, "opened", env, l->opened);
	json_field(f, &first, "recipients", env ? l->recipients : NULL);
	json_field(f, &first, "opened_with", env && l->opened ? l->opened_with : NULL);
	json_bool_or_null(f, &first, "opened_with_archived", env, l->opened_with_archived);
	json_field(f, &first, "note", l->note[0] ? l->note : NULL);
	fputc('}', f);
}

static void
json_report(FILE *f, const char *file, struct msg_report *r, char (*probs)[512], size_t np)
{
	char line[2048];
	int first = 1;

	msg_layers_line(r, line, sizeof line);
	fputc('{', f);
	json_field(f, &first, "file", file);
	json_field(f, &first, "from", r->from);
	json_field(f, &first, "from_name", r->from_name);
	json_field(f, &first, "to", r->to);
	json_field(f, &first, "subject", r->subject);
	json_key(f, &first, "from_lines");
	fprintf(f, "%zu", r->from_lines);
	json_field(f, &first, "date", r->date);
	json_field(f, &first, "kind", cell_kind_name(r->kind));
	json_field_bool(f, &first, "ok", r->ok);
	json_field(f, &first, "layers_line", line);
	json_key(f, &first, "layers");
	fputc('[', f);
	for (size_t i = 0; i < r->n_layers; i++) {
		if (i)
			fputc(',', f);
		json_layer(f, &r->layer[i]);
	}
	fputc(']', f);
	json_key(f, &first, "problems");
	fputc('[', f);
	for (size_t i = 0; i < np; i++) {
		if (i)
			fputc(',', f);
		json_str(f, probs[i]);
	}
	fputc(']', f);
	json_field(f, &first, "unprotected", unprotected(r));
	json_key(f, &first, "outside_parts");
	fprintf(f, "%zu", r->outside);
	json_field_bool(f, &first, "pgp", r->pgp);
	json_field(f, &first, "parts", r->parts);
	if (r->more == NULL) {
		json_field(f, &first, "text", r->text);
	} else {
		char more[64u << 10];
		size_t n;

		json_key(f, &first, "text");
		fputc('"', f);
		json_str_part(f, r->text, strlen(r->text));
		while ((n = msg_text_more(r, more, sizeof more)) > 0)
			json_str_part(f, more, n);
		OPENSSL_cleanse(more, sizeof more);
		fputc('"', f);
	}
	fputs("}\n", f);
}

int
cmd_read(struct cli *c)
{
	struct err e = ERR_INIT;
	struct msg_report r;
	char(*probs)[512];
	size_t np;
	int rc;

	if (op_read(c->s, c->args[0], time(NULL), &c->ask, &r, &e) != 0)
		return cli_fail(c, &e);
	probs = xcalloc(MAX_PROBLEMS, sizeof *probs);
	np = problems(&r, c->args[0], probs);
	if (c->given & O_JSON)
		json_report(stdout, c->args[0], &r, probs, np);
	else
		print_report(&r, probs, np);
	rc = r.ok ? EXIT_OK : EXIT_NO;
	msg_report_free(&r);
	free(probs);
	return rc;
}

/* --- import -------------------------------------------------------------- */

static void
print_imported(const struct import_view *v, int json, int first)
{
	const struct peer_info *in = &v->info;
	char grouped[FPR_GROUPED_LEN], list[sizeof in->emails], *emails[64], *save = NULL;
	const char *cn = in->name, *main_addr;
	size_t ne = 0;

	snprintf(list, sizeof list, "%s", in->emails);
	for (char *a = strtok_r(list, ",", &save); a != NULL && ne < 64;
	     a = strtok_r(NULL, ",", &save))
		emails[ne++] = a;
	main_addr = ne ? emails[0] : "";
	/* The CA form: the CA is what is read on the phone (trust.h). */
	fpr_grouped(v->ca_colon[0] ? v->ca_sha256 : in->sha256, 32, grouped, sizeof grouped);
	if (json) {
		int f = 1;

		fputs(first ? "{" : ",{", stdout);
		json_field(stdout, &f, "email", main_addr);
		json_key(stdout, &f, "emails");
		json_strs(stdout, emails, ne);
		json_field(stdout, &f, "name", cn);
		json_field(stdout, &f, "fingerprint_sha256", in->colon);
		json_field(stdout, &f, "ca_fingerprint_sha256",
			   v->ca_colon[0] ? v->ca_colon : NULL);
		json_field(stdout, &f, "not_before", in->not_before);
		json_field(stdout, &f, "not_after", in->not_after);
		json_field_bool(stdout, &f, "added", v->added);
		json_field_bool(stdout, &f, "duplicate", v->holders > 1);
		json_field_bool(stdout, &f, "changed", v->changed);
		json_field_bool(stdout, &f, "renewed", v->renewed);
		json_field_bool(stdout, &f, "trusted", v->trusted);
		json_key(stdout, &f, "lint");
		json_lint(stdout, &in->lint);
		fputc('}', stdout);
		return;
	}
	printf(v->made ?
		       "Imported the certificate of %s%s<%s>: trusted, since you made it (recorded as verified in person).\n" :
	       v->renewed ?
		       "Imported the certificate of %s%s<%s>: trusted, renewed by the CA you verified (no new call needed).\n" :
	       v->added ? "Imported the certificate of %s%s<%s>, not trusted yet.\n" :
			  "You already hold this certificate of %s%s<%s>; nothing changed.\n",
	       cn, cn[0] ? " " : "", main_addr);
	for (size_t i = 0; i < ne; i++)
		printf("  %-10s %s\n", i ? "" : "addresses", emails[i]);
	printf("  %-10s %s to %s\n  %-10s %s\n", "valid", in->not_before, in->not_after, "SHA-256",
	       in->colon);
	if (v->ca_colon[0])
		printf("  %-10s %s\n", "their CA", v->ca_colon);
	if (v->renewed || v->made) {
		printf("\nLint:\n");
		print_lint(&in->lint);
		return;
	}
	printf(v->ca_colon[0] ?
		       "\nFingerprint to compare by phone (SHA-256 of their own CA, which issued this certificate;\n"
		       "a renewal by the same CA will need no new call):\n" :
		       "\nFingerprint to compare by phone (SHA-256):\n");
	for (const char *p = grouped; *p;) {
		size_t k = strcspn(p, "\n");

		printf("  %.*s\n", (int)k, p);
		p += k + (p[k] == '\n');
	}
	printf("\nLint:\n");
	print_lint(&in->lint);
	if (v->holders > 1) {
		printf("\nWARNING: you now hold %zu certificates for %s; clients pick one at random — keep the one you verify (padseal peers lists them)\n",
		       v->holders, main_addr);
		cli_warn("you now hold %zu certificates for %s; clients pick one at random — keep the one you verify",
			 v->holders, main_addr);
	}
	if (v->changed)
		printf("\nWARNING: %s belonged to a certificate you trusted; this one is DIFFERENT — verify it by phone before trusting it\n",
		       main_addr);
	printf("\nNext: compare fingerprints by phone: padseal compare %s 'THE FINGERPRINT THEY READ'\n"
	       "      then: padseal trust %s --verified phone\n",
	       v->holders > 1 ? in->hex : main_addr, v->holders > 1 ? in->hex : main_addr);
}

int
cmd_import(struct cli *c)
{
	struct err e = ERR_INIT;
	struct import_set *set = NULL;
	struct import_view *v = xcalloc(1, sizeof *v);
	const struct state *st;
	const char *base = strrchr(c->args[0], '/');
	time_t now = time(NULL);
	int rc = EXIT_NO;

	if (op_import_read(c->s, c->args[0], now, &c->ask, &set, &e) != 0 ||
	    op_import_store_trusted(c->s, set, base ? base + 1 : c->args[0],
				    (c->given & O_MADE_BY_ME) ? VERIFY_IN_PERSON : VERIFY_NONE, now,
				    &e) != 0 ||
	    session_state(c->s, &st, &e) != 0) {
		rc = cli_fail(c, &e);
		goto out;
	}
	if (c->given & O_JSON)
		fputs("{\"imported\":[", stdout);
	for (size_t i = 0; i < import_count(set); i++) {
		import_view(set, i, st, now, v);
		print_imported(v, (c->given & O_JSON) != 0, i == 0);
	}
	if (c->given & O_JSON)
		fputs("]}\n", stdout);
	rc = EXIT_OK;
out:
	free(v);
	import_free(set);
	return rc;
}
