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

#include <openssl/pem.h> /* before cms.h, which declares PEM_read_bio_CMS */
#include <openssl/pkcs12.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "cli_int.h"
#include "cred.h"
#include "fileio.h"
#include "fpr.h"
#include "json.h"
#include "lint.h"
#include "mime.h"
#include "msg.h"
#include "pass.h"
#include "peer.h"
#include "state.h"

#define MAX_PROBLEMS (MSG_MAX_LAYERS * 5 + 2)

/* The passphrase, asked only when an envelope for the user is met. */
struct asker {
	const struct cli *c;
	char *pass;
	int status; /* exit status when it could not be had */
};

static const char *
ask(void *arg)
{
	struct asker *a = arg;
	int rc;

	if (a->pass == NULL && a->status == 0 &&
	    (rc = cli_unlock_pass(a->c, "your key", &a->pass)) != 0)
		a->status = rc;
	return a->pass;
}

/* Print `s` with terminal control characters (escape sequences a hostile
 * message could carry) made harmless. */
static void
put_clean(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		putchar((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f ? '?' : *p);
}

/* --- what is wrong, and what to do --------------------------------------- */

static void
signed_problems(const struct msg_report *r, const struct msg_layer *l,
		const char *file, char (*out)[512], size_t *n)
{
	const char *who = l->signer[0] ? l->signer : "an unknown signer";

	if (l->sig == SIG_INVALID)
		snprintf(out[(*n)++], 512, "the signature by %s is invalid: %s; do not rely on this message", who, l->note);
	else if (l->sig == SIG_UNCHECKABLE)
		snprintf(out[(*n)++], 512, "the signature cannot be checked: %s", l->note);
	else if (l->changed && l->known_fpr[0])
		snprintf(out[(*n)++], 512, "the certificate of %s changed since you verified it — verify again: this message is signed with %s, the one you verified is %s", who, l->signer_fpr, l->known_fpr);
	else if (l->changed)
		snprintf(out[(*n)++], 512, "the certificate of %s changed since you verified one for this address — verify again (this one is %s)", who, l->signer_fpr);
	else if (!l->trusted && l->held)
		snprintf(out[(*n)++], 512, "the signature by %s is valid, but you have not verified that certificate: compare fingerprints by phone (padseal compare %s TEXT), then trust it with: padseal trust %s --verified phone", who, who, who);
	else if (!l->trusted)
		snprintf(out[(*n)++], 512, "the signature by %s is valid, but you do not hold that certificate yet: padseal import %s, compare fingerprints by phone (padseal compare %s TEXT), then trust it with: padseal trust %s --verified phone", who, file, who, who);
	if (l->from_mismatch)
		snprintf(out[(*n)++], 512, "the signer %s is not the sender (From: %s): the signature does not vouch for the sender", who, r->from);
	if (l->expired_at_signing)
		snprintf(out[(*n)++], 512, "the certificate of %s was not valid when the message was signed (%s)", who, l->signed_at[0] ? l->signed_at : "no signing time given; checked against now");
	if (l->sha1)
		snprintf(out[(*n)++], 512, "the signature uses SHA-1: Thunderbird 115 and later show it as invalid; ask %s to sign with SHA-256", who);
}

static size_t
problems(const struct msg_report *r, const char *file, char (*out)[512])
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_layers; i++) {
		const struct msg_layer *l = &r->layer[i];

		if (l->kind == LAYER_SIGNED)
			signed_problems(r, l, file, out, &n);
		else if (!l->opened)
			snprintf(out[n++], 512, "the encrypted part was not opened: %s", l->note);
		else if (l->opened_with_archived)
			snprintf(out[n++], 512, "it was opened with your archived credential %.16s...: keep that key as long as you keep old mail", l->opened_with);
	}
	if (r->outside)
		snprintf(out[n++], 512, "%zu part%s of this message %s outside its S/MIME protection and %s not shown: %s not signed or encrypted",
			 r->outside, r->outside == 1 ? "" : "s", r->outside == 1 ? "is" : "are",
			 r->outside == 1 ? "is" : "are", r->outside == 1 ? "it is" : "they are");
	if (r->pgp)
		snprintf(out[n++], 512, "the message has an OpenPGP signature, which padseal does not check");
	return n;
}

/* --- read ---------------------------------------------------------------- */

static void
print_report(const struct msg_report *r, char (*probs)[512], size_t np)
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
			printf("Signer:  %s\n         SHA-256 %s\n", r->layer[i].signer, r->layer[i].signer_fpr);
	if (np)
		putchar('\n');
	for (size_t i = 0; i < np; i++) {
		printf("! ");
		put_clean(probs[i]);
		putchar('\n');
	}
	printf("\n");
	if (r->text != NULL) {
		put_clean(r->text);
		if (r->text[0] && r->text[strlen(r->text) - 1] != '\n')
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
	json_field(f, &first, "type", sig ? "signed" : l->kind == LAYER_ENVELOPED ? "enveloped" : "authenveloped");
	json_bool_or_null(f, &first, "opaque", sig, l->opaque);
	json_field(f, &first, "alg", l->alg);
	json_field(f, &first, "signature", sig ? states[l->sig] : NULL);
	json_field(f, &first, "signer", sig && l->signer[0] ? l->signer : NULL);
	json_field(f, &first, "signer_fingerprint_sha256", sig && l->signer_fpr[0] ? l->signer_fpr : NULL);
	json_field(f, &first, "signed_at", sig && l->signed_at[0] ? l->signed_at : NULL);
	json_bool_or_null(f, &first, "trusted", sig, l->trusted);
	json_bool_or_null(f, &first, "own", sig, l->own);
	json_bool_or_null(f, &first, "held", sig, l->held);
	json_bool_or_null(f, &first, "changed", sig, l->changed);
	json_field(f, &first, "known_fingerprint_sha256", sig && l->known_fpr[0] ? l->known_fpr : NULL);
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
json_report(FILE *f, const char *file, const struct msg_report *r,
	    char (*probs)[512], size_t np)
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
	json_key(f, &first, "outside_parts");
	fprintf(f, "%zu", r->outside);
	json_field_bool(f, &first, "pgp", r->pgp);
	json_field(f, &first, "parts", r->parts);
	json_field(f, &first, "text", r->text);
	fputs("}\n", f);
}

/* Open FILE with the home read-only; *status is the exit status when the
 * message could not be opened at all (the error is printed). */
static int
open_message(struct cli *c, const struct home *h, const struct state *st,
	     const unsigned char *buf, size_t len, struct asker *a,
	     struct msg_report *r)
{
	struct msg_ctx ctx = {h, st, NULL, ask, a};
	struct err e = ERR_INIT;

	a->c = c;
	if (msg_open(&ctx, buf, len, r, &e) != 0) {
		if (a->status)
			return a->status;
		return cli_fail(c, &e, EXIT_NO);
	}
	if (a->status) /* no passphrase to be had: reported already */
		msg_report_free(r);
	return a->status;
}

int
cmd_read(struct cli *c)
{
	struct err e = ERR_INIT;
	struct home h;
	struct state *st = NULL;
	struct asker a = {0};
	struct msg_report r = {0};
	unsigned char *buf = NULL;
	size_t len = 0, np;
	char (*probs)[512] = NULL;
	int rc, opened = 0;

	if (file_read(c->args[0], FILE_MAX_MSG, &buf, &len, &e) != 0)
		return cli_fail(c, &e, EXIT_NO);
	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		goto out_buf;
	if (state_load(&h, &st, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if ((rc = open_message(c, &h, st, buf, len, &a, &r)) != 0)
		goto out;
	opened = 1;
	if ((probs = calloc(MAX_PROBLEMS, sizeof *probs)) == NULL)
		abort();
	np = problems(&r, c->args[0], probs);
	if (c->given & O_JSON)
		json_report(stdout, c->args[0], &r, probs, np);
	else
		print_report(&r, probs, np);
	rc = r.ok ? EXIT_OK : EXIT_NO;
out:
	if (opened)
		msg_report_free(&r);
	free(probs);
	pass_free(a.pass);
	state_free(st);
	home_close(&h);
out_buf:
	file_free_secret(buf, len);
	return rc;
}

/* --- import -------------------------------------------------------------- */

/* Keep end-entity certificates with an address; CA certificates stay out. */
static void
keep_mail_certs(STACK_OF(X509) *in, STACK_OF(X509) *out)
{
	for (int i = 0; in != NULL && i < sk_X509_num(in); i++) {
		X509 *x = sk_X509_value(in, i);
		char **emails;
		size_t n = cert_emails(x, &emails);

		cert_emails_free(emails, n);
		if (n == 0 || (X509_get_extension_flags(x) & EXFLAG_CA))
			continue;
		X509_up_ref(x);
		sk_X509_push(out, x);
	}
}

/* Certificates from PEM/DER certificates or a PKCS#7/CMS bundle.  0 when
 * the bytes are none of those. */
static int
certs_from_file(const unsigned char *buf, size_t len, STACK_OF(X509) *out)
{
	STACK_OF(X509) *all = sk_X509_new_null();
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	CMS_ContentInfo *cms = NULL;
	const unsigned char *q = buf;
	X509 *x;
	int found = 0;

	if (all == NULL || bio == NULL)
		abort();
	if (memmem(buf, len, "-----BEGIN PKCS7", 16) || memmem(buf, len, "-----BEGIN CMS", 14)) {
		cms = PEM_read_bio_CMS(bio, NULL, NULL, NULL);
	} else if (memmem(buf, len, "-----BEGIN", 10)) {
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
			sk_X509_push(all, x);
	} else if ((x = d2i_X509(NULL, &q, (long)len)) != NULL) {
		sk_X509_push(all, x);
	} else {
		cms = d2i_CMS_bio(bio, NULL);
	}
	if (cms != NULL) {
		STACK_OF(X509) *certs = CMS_get1_certs(cms);

		for (int i = 0; certs && i < sk_X509_num(certs); i++) {
			X509_up_ref(sk_X509_value(certs, i));
			sk_X509_push(all, sk_X509_value(certs, i));
		}
		sk_X509_pop_free(certs, X509_free);
	}
	found = cms != NULL || sk_X509_num(all) > 0;
	keep_mail_certs(all, out);
	CMS_ContentInfo_free(cms);
	sk_X509_pop_free(all, X509_free);
	BIO_free(bio);
	ERR_clear_error();
	return found;
}

/* Did a layer before `i` have the same signer? */
static int
dup_signer(const struct msg_report *r, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (r->layer[j].kind == LAYER_SIGNED && strcmp(r->layer[j].signer_hex, r->layer[i].signer_hex) == 0)
			return 1;
	return 0;
}

/* The signers' certificates of a signed message, every signature checked
 * first.  Returns 0, or an exit status (error printed). */
static int
cert_from_message(struct cli *c, const struct home *h, const struct state *st,
		  const unsigned char *buf, size_t len, STACK_OF(X509) *out)
{
	struct asker a = {0};
	struct msg_report r;
	struct err e = ERR_INIT;
	const struct msg_layer *l = NULL;
	int rc;

	if ((rc = open_message(c, h, st, buf, len, &a, &r)) != 0) {
		pass_free(a.pass);
		return rc;
	}
	/* Every signature must hold; then each signer (the sender, and the
	 * author of a signed message it wraps) is taken. */
	for (size_t i = 0; i < r.n_layers && !e.set; i++) {
		if (r.layer[i].kind != LAYER_SIGNED)
			continue;
		l = &r.layer[i];
		if (l->sig == SIG_INVALID)
			err_set(&e, "the signature does not match the message; nothing was imported");
		else if (l->sig == SIG_UNCHECKABLE || l->signer_der == NULL)
			err_set(&e, "the signature cannot be checked (%s); nothing was imported", l->note);
	}
	if (l == NULL)
		err_set(&e, "%s has no S/MIME signature, so it carries no certificate; nothing was imported", c->args[0]);
	for (size_t i = 0; i < r.n_layers && !e.set; i++) {
		const unsigned char *q = r.layer[i].signer_der;
		X509 *x;

		if (r.layer[i].kind != LAYER_SIGNED || r.layer[i].own || dup_signer(&r, i))
			continue;
		if ((x = d2i_X509(NULL, &q, (long)r.layer[i].signer_der_len)) == NULL)
			abort(); /* msg encoded it */
		sk_X509_push(out, x);
	}
	if (!e.set && sk_X509_num(out) == 0)
		err_set(&e, "this message is signed by you: it carries your own certificate, not a correspondent's; nothing was imported");
	msg_report_free(&r);
	pass_free(a.pass);
	return e.set ? cli_fail(c, &e, EXIT_NO) : 0;
}

static size_t
holders(const struct state *st, const char *addr)
{
	size_t n = 0;

	for (struct rec *r = state_first(st, "peer"); r; r = state_next(r, "peer"))
		n += peer_has_address(r, addr);
	return n;
}

static void
print_imported(X509 *x, int added, const struct state *st, int json, int first)
{
	char colon[FPR_COLON_LEN], hex[FPR_HEX_LEN], grouped[FPR_GROUPED_LEN], nb[24], na[24];
	unsigned char d[FPR_MAX];
	size_t dn = fpr_digest(x, FPR_SHA256, d), ne;
	char **emails, *cn = cert_common_name(x);
	struct lint_report lr;
	struct rec *rec;
	size_t dup = 0;
	int changed;

	fpr_colon(d, dn, colon);
	fpr_hex(d, dn, hex);
	fpr_grouped(d, dn, grouped, sizeof grouped);
	ne = cert_emails(x, &emails);
	rec = peer_by_hex(st, hex);
	changed = rec != NULL && rec_get(rec, "changed") != NULL;
	for (size_t i = 0; i < ne; i++)
		if (holders(st, emails[i]) > dup)
			dup = holders(st, emails[i]);
	lint_cert(x, NULL, time(NULL), &lr);
	asn1_time_iso(X509_get0_notBefore(x), nb, sizeof nb);
	asn1_time_iso(X509_get0_notAfter(x), na, sizeof na);
	if (json) {
		int f = 1;

		fputs(first ? "{" : ",{", stdout);
		json_field(stdout, &f, "email", emails[0]);
		json_key(stdout, &f, "emails");
		json_strs(stdout, emails, ne);
		json_field(stdout, &f, "name", cn);
		json_field(stdout, &f, "fingerprint_sha256", colon);
		json_field(stdout, &f, "not_before", nb);
		json_field(stdout, &f, "not_after", na);
		json_field_bool(stdout, &f, "added", added);
		json_field_bool(stdout, &f, "duplicate", dup > 1);
		json_field_bool(stdout, &f, "changed", changed);
		json_key(stdout, &f, "lint");
		json_lint(stdout, &lr);
		fputc('}', stdout);
		goto out;
	}
	printf(added ? "Imported the certificate of %s%s<%s>, not trusted yet.\n" :
	       "You already hold this certificate of %s%s<%s>; nothing changed.\n", cn, cn[0] ? " " : "", emails[0]);
	for (size_t i = 0; i < ne; i++)
		printf("  %-10s %s\n", i ? "" : "addresses", emails[i]);
	printf("  %-10s %s to %s\n  %-10s %s\n", "valid", nb, na, "SHA-256", colon);
	printf("\nFingerprint to compare by phone (SHA-256):\n");
	for (const char *p = grouped; *p;) {
		size_t k = strcspn(p, "\n");

		printf("  %.*s\n", (int)k, p);
		p += k + (p[k] == '\n');
	}
	printf("\nLint:\n");
	print_lint(&lr);
	if (dup > 1) {
		printf("\nWARNING: you now hold %zu certificates for %s; clients pick one at random — keep the one you verify (padseal peers lists them)\n", dup, emails[0]);
		cli_warn("you now hold %zu certificates for %s; clients pick one at random — keep the one you verify", dup, emails[0]);
	}
	if (changed)
		printf("\nWARNING: %s belonged to a certificate you trusted; this one is DIFFERENT — verify it by phone before trusting it\n", emails[0]);
	printf("\nNext: compare fingerprints by phone: padseal compare %s 'THE FINGERPRINT THEY READ'\n"
	       "      then: padseal trust %s --verified phone\n", dup > 1 ? hex : emails[0], dup > 1 ? hex : emails[0]);
out:
	cert_emails_free(emails, ne);
	free(cn);
}

/* Store the certificates; the home is locked and re-read first. */
static int
store_all(struct cli *c, struct home *h, STACK_OF(X509) *certs)
{
	struct err e = ERR_INIT;
	struct state *st = NULL;
	const char *base = strrchr(c->args[0], '/');
	int added[64] = {0}, any = 0, rc = EXIT_NO, n = sk_X509_num(certs);

	if (n > 64)
		n = 64;
	if (home_upgrade(h, &e) != 0 || state_load(h, &st, &e) != 0)
		goto fail;
	for (int i = 0; i < n; i++) {
		if (peer_store(h, st, sk_X509_value(certs, i), base ? base + 1 : c->args[0], &added[i], &e) != 0)
			goto fail;
		any |= added[i];
	}
	if (any && state_save(h, st, &e) != 0)
		goto fail;
	if (c->given & O_JSON)
		fputs("{\"imported\":[", stdout);
	for (int i = 0; i < n; i++)
		print_imported(sk_X509_value(certs, i), added[i], st, (c->given & O_JSON) != 0, i == 0);
	if (c->given & O_JSON)
		fputs("]}\n", stdout);
	rc = EXIT_OK;
	goto out;
fail:
	if (strstr(e.msg, "your own certificate"))
		err_clear(&e), err_set(&e, "this is your own certificate, not a correspondent's; nothing was imported");
	rc = cli_fail(c, &e, EXIT_NO);
out:
	state_free(st);
	return rc;
}

static int
is_pkcs12(const unsigned char *buf, size_t len)
{
	const unsigned char *q = buf;
	PKCS12 *p12 = d2i_PKCS12(NULL, &q, (long)len);

	PKCS12_free(p12);
	ERR_clear_error();
	return p12 != NULL;
}

static int
has_field(const struct mime_entity *m, const char *name)
{
	char *v = mime_header(m, name);

	free(v);
	return v != NULL;
}

int
cmd_import(struct cli *c)
{
	struct err e = ERR_INIT;
	struct home h;
	struct state *st = NULL;
	struct mime_entity m;
	STACK_OF(X509) *certs = sk_X509_new_null();
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc, is_msg;

	if (certs == NULL)
		abort();
	if (file_read(c->args[0], FILE_MAX_MSG, &buf, &len, &e) != 0) {
		sk_X509_free(certs);
		return cli_fail(c, &e, EXIT_NO);
	}
	if ((rc = cli_home(c, &h, HOME_READ)) != 0)
		goto out_buf;
	if (state_load(&h, &st, &e) != 0) {
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	/* A message has a header block with mail fields; certificate files
	 * (even `openssl x509 -text` output, "Certificate:") do not. */
	is_msg = mime_parse(buf, len, MIME_MESSAGE, NULL, &m, NULL) == 0 &&
		 (has_field(&m, "Content-Type") || has_field(&m, "From") || has_field(&m, "MIME-Version"));
	mime_entity_free(&m);
	if (is_msg) {
		if ((rc = cert_from_message(c, &h, st, buf, len, certs)) != 0)
			goto out;
	} else if (!certs_from_file(buf, len, certs)) {
		if (is_pkcs12(buf, len))
			err_set(&e, "%s is a PKCS#12 backup with a private key: restore your own with padseal restore FILE; for a correspondent ask for their certificate or a signed message", c->args[0]);
		else
			err_set(&e, "%s is neither a signed message nor a certificate (PEM, DER, .p7s, .p7c, .p7b); nothing was imported", c->args[0]);
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	if (sk_X509_num(certs) == 0) {
		err_set(&e, "%s holds no correspondent's certificate (one with an email address that is not a CA's); nothing was imported", c->args[0]);
		rc = cli_fail(c, &e, EXIT_NO);
		goto out;
	}
	rc = store_all(c, &h, certs);
out:
	state_free(st);
	home_close(&h);
out_buf:
	sk_X509_pop_free(certs, X509_free);
	file_free_secret(buf, len);
	return rc;
}
