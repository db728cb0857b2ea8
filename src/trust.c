#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "cred.h"
#include "fpr.h"
#include "ident.h"
#include "isotime.h"
#include "peer.h"
#include "trust.h"
#include "xalloc.h"

#define REC "peer"

int
trust_method_valid(const char *method)
{
	return method != NULL && (strcmp(method, "phone") == 0 ||
				  strcmp(method, "in-person") == 0 || strcmp(method, "other") == 0);
}

static int
is_set(const struct rec *r, const char *key)
{
	const char *v = rec_get(r, key);

	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

int
trust_retired(const struct rec *r)
{
	return !is_set(r, "trusted") && (is_set(r, "untrusted-at") || is_set(r, "rejected-at"));
}

/* A short name of the record for messages: its main address. */
static const char *
who(const struct rec *r)
{
	const char *v = rec_get(r, "email");

	return v != NULL ? v : "this correspondent";
}

/* The lint error codes of `lint` as "ku-missing, eku-no-email". */
static void
error_codes(const struct lint_report *lint, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < lint->n && used < len; i++)
		if (lint->f[i].sev == LINT_ERROR)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 lint->f[i].code);
}

int
trust_check(const struct home *h, const struct rec *r, int force, time_t now,
	    struct lint_report *lint, struct err *e)
{
	char hex[FPR_HEX_LEN], codes[256], until[ISO_TIME_LEN] = "";
	const char *want = rec_get(r, "fpr");
	X509 *cert = NULL;
	size_t errors;
	int rc = -1;

	memset(lint, 0, sizeof *lint);
	if (peer_cert(h, r, &cert, e) != 0)
		goto out;
	fpr_cert_hex(cert, hex);
	if (want == NULL || strcmp(hex, want) != 0) {
		err_set(e,
			"the stored certificate of %s is not the one padseal "
			"recorded (its fingerprint changed on disk); import it "
			"again before trusting it",
			who(r));
		goto out;
	}
	lint_cert(cert, NULL, now, lint);
	if (lint_has(lint, "expired")) {
		asn1_time_iso(X509_get0_notAfter(cert), until, sizeof until);
		err_set(e,
			"the certificate of %s expired on %s; padseal never "
			"trusts an expired certificate, not even with --force: "
			"ask %s for a new one",
			who(r), until, who(r));
		goto out;
	}
	errors = lint_count(lint, LINT_ERROR);
	if (errors > 0 && !force) {
		error_codes(lint, codes, sizeof codes);
		err_set(e,
			"the certificate of %s has %zu lint error%s (%s) that "
			"make mail clients reject it: ask %s for a new one "
			"(see padseal lint %.16s), or add --force to trust it "
			"anyway",
			who(r), errors, errors == 1 ? "" : "s", codes, who(r), hex);
		goto out;
	}
	rc = 0;
out:
	X509_free(cert);
	return rc;
}

int
trust_apply(const struct home *h, struct state *st, struct rec *r, const char *method, int force,
	    time_t now, struct trust_done *out, struct err *e)
{
	struct lint_report lint;
	char at[ISO_TIME_LEN];

	memset(out, 0, sizeof *out);
	if (!trust_method_valid(method))
		return err_set(e, "say how you verified the fingerprint: "
				  "--verified phone, in-person or other");
	if (trust_check(h, r, force, now, &lint, e) != 0)
		return -1;
	iso_time(now, at);
	out->was_trusted = is_set(r, "trusted");
	out->was_changed = is_set(r, "changed");
	out->forced = lint_count(&lint, LINT_ERROR) > 0;
	/* One trusted certificate per address: the new one replaces. */
	for (struct rec *o = state_first(st, REC); o; o = state_next(o, REC)) {
		if (o == r || !is_set(o, "trusted") || !peer_shares_address(r, o))
			continue;
		rec_set(o, "trusted", NULL);
		rec_set(o, "untrusted-at", at);
		rec_set(o, "superseded-by", rec_get(r, "fpr"));
		if (out->n_superseded < TRUST_SUPERSEDE_MAX)
			snprintf(out->superseded[out->n_superseded++], sizeof out->superseded[0],
				 "%s", rec_get(o, "fpr"));
	}
	rec_set(r, "trusted", "1");
	rec_set(r, "verified", method);
	rec_set(r, "verified-at", at);
	rec_set(r, "forced", out->forced ? "1" : "0");
	rec_set(r, "changed", NULL);
	rec_set(r, "untrusted-at", NULL);
	rec_set(r, "superseded-by", NULL);
	rec_set(r, "rejected-at", NULL);
	return 0;
}

enum untrust_done
trust_withdraw(struct state *st, struct rec *r, time_t now)
{
	char at[ISO_TIME_LEN];

	(void)st;
	iso_time(now, at);
	if (is_set(r, "trusted")) {
		rec_set(r, "trusted", NULL);
		rec_set(r, "untrusted-at", at);
		rec_set(r, "superseded-by", NULL);
		return UNTRUST_WITHDRAWN;
	}
	if (trust_retired(r))
		return UNTRUST_ALREADY;
	rec_set(r, "rejected-at", at);
	return UNTRUST_REJECTED;
}

/* Does `r` hold one of the addresses? */
static int
has_any(const struct rec *r, char *const *emails, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (peer_has_address(r, emails[i]))
			return 1;
	return 0;
}

void
trust_status_of(const struct state *st, const char *hex, char *const *emails, size_t n_emails,
		struct trust_status *out)
{
	struct rec *self = peer_by_hex(st, hex), *prev = NULL;

	memset(out, 0, sizeof *out);
	for (struct rec *r = state_first(st, "identity"); r; r = state_next(r, "identity"))
		if (rec_get(r, "fpr") && strcmp(rec_get(r, "fpr"), hex) == 0)
			out->own = 1;
	if (out->own)
		return;
	if (self != NULL) {
		out->known = 1;
		out->trusted = is_set(self, "trusted");
		out->retired = trust_retired(self);
		if (is_set(self, "untrusted-at"))
			snprintf(out->until, sizeof out->until, "%s",
				 rec_get(self, "untrusted-at"));
	}
	if (out->trusted || out->retired)
		return;
	/* Another certificate for one of its addresses: trusted now, or
	 * trusted once (withdrawn, not merely set aside). */
	for (struct rec *r = state_first(st, REC); r; r = state_next(r, REC)) {
		if (r == self || !has_any(r, emails, n_emails))
			continue;
		if (is_set(r, "trusted") || (prev == NULL && is_set(r, "untrusted-at")))
			prev = r;
	}
	out->changed = prev != NULL || (self != NULL && is_set(self, "changed"));
	if (prev != NULL && rec_get(prev, "fpr-colon"))
		snprintf(out->previous, sizeof out->previous, "%s", rec_get(prev, "fpr-colon"));
}

void
trust_status_cert(const struct state *st, X509 *cert, struct trust_status *out)
{
	char hex[FPR_HEX_LEN], **emails = NULL;
	size_t n = cert_emails(cert, &emails);

	fpr_cert_hex(cert, hex);
	trust_status_of(st, hex, emails, n, out);
	cert_emails_free(emails, n);
}

void
trust_status_rec(const struct state *st, const struct rec *r, struct trust_status *out)
{
	const char *list = rec_get(r, "emails"), *hex = rec_get(r, "fpr");
	char *copy = xstrdup(list != NULL ? list : ""), *emails[64], *save = NULL;
	size_t n = 0;

	for (char *a = strtok_r(copy, ",", &save); a != NULL && n < 64;
	     a = strtok_r(NULL, ",", &save))
		emails[n++] = a;
	trust_status_of(st, hex != NULL ? hex : "", emails, n, out);
	free(copy);
}
