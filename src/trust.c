#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "cred.h"
#include "fpr.h"
#include "peer.h"
#include "trust.h"
#include "xalloc.h"

/* A short name of the record for messages: its main address. */
static const char *
who(const struct st_peer *p)
{
	return p->addr[0];
}

/* The first lint error of `lint` in words, for the middle of a sentence
 * ("the certificate has no Key Usage extension, so ... (ku-missing)"). */
static void
first_error(const struct lint_report *lint, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < lint->n; i++)
		if (lint->f[i].sev == LINT_ERROR) {
			size_t n;

			snprintf(buf, len, "%s", lint->f[i].text);
			n = strlen(buf);
			while (n > 0 && buf[n - 1] == '.')
				buf[--n] = '\0';
			if (buf[0] >= 'A' && buf[0] <= 'Z')
				buf[0] = (char)(buf[0] - 'A' + 'a');
			snprintf(buf + n, len - n, " (%s)", lint->f[i].code);
			return;
		}
}

int
trust_check(const struct home *h, const struct st_peer *p, int force, time_t now,
	    struct lint_report *lint, struct err *e)
{
	char first[400], more[64] = "", until[64] = "";
	X509 *cert = NULL;
	size_t errors;
	int rc = -1;

	memset(lint, 0, sizeof *lint);
	if (peer_cert(h, p, &cert, e) != 0)
		goto out;
	lint_cert(cert, NULL, now, lint);
	if (lint_has(lint, "expired")) {
		asn1_time_iso(X509_get0_notAfter(cert), until, sizeof until);
		err_set(e,
			"the certificate of %s expired on %s; padseal never "
			"trusts an expired certificate, not even with --force: "
			"ask %s for a new one",
			who(p), until, who(p));
		goto out;
	}
	errors = lint_count(lint, LINT_ERROR);
	if (errors > 0 && !force) {
		first_error(lint, first, sizeof first);
		if (errors > 1)
			snprintf(more, sizeof more, "; and %zu more problem%s", errors - 1,
				 errors == 2 ? "" : "s");
		err_set(e,
			"the certificate of %s will not work for mail: %s%s. "
			"Ask %s for a new one (padseal lint %.16s lists every "
			"problem), or add --force to trust it anyway",
			who(p), first, more, who(p), p->hex);
		goto out;
	}
	rc = 0;
out:
	X509_free(cert);
	return rc;
}

/* One trusted certificate per address: `p` replaces the others. */
static void
supersede(struct state *st, const struct st_peer *p, const char *at, struct trust_done *out)
{
	for (size_t i = 0; i < p->n_addr; i++) {
		const struct st_peer *o;
		size_t it = 0;

		while ((o = state_peer_by_addr(st, p->addr[i], &it)) != NULL) {
			struct st_peer *w;

			if (o == p || !o->trusted)
				continue;
			w = state_peer_edit(st, o);
			w->trusted = 0;
			memcpy(w->untrusted_at, at, ISO_TIME_LEN);
			memcpy(w->superseded_by, p->hex, FPR_HEX_LEN);
			if (out != NULL && out->n_superseded < TRUST_SUPERSEDE_MAX)
				memcpy(out->superseded[out->n_superseded++], o->hex, FPR_HEX_LEN);
		}
	}
}

int
trust_apply(const struct home *h, struct state *st, const struct st_peer *p,
	    enum verify_method method, int force, time_t now, struct trust_done *out, struct err *e)
{
	struct lint_report *lint = xcalloc(1, sizeof *lint);
	struct trust_status ts;
	struct st_peer *w;
	char at[ISO_TIME_LEN];
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (method == VERIFY_NONE) {
		err_set(e,
			"say how you verified the fingerprint: --verified phone, in-person or other");
		goto out;
	}
	if (trust_check(h, p, force, now, lint, e) != 0)
		goto out;
	iso_time(now, at);
	trust_status_peer(st, p, &ts);
	out->was_trusted = p->trusted;
	out->was_changed = ts.changed != NULL;
	out->forced = lint_count(lint, LINT_ERROR) > 0;
	supersede(st, p, at, out);
	w = state_peer_edit(st, p);
	w->trusted = 1;
	w->verified = method;
	memcpy(w->verified_at, at, sizeof at);
	w->forced = out->forced;
	w->untrusted_at[0] = w->superseded_by[0] = w->rejected_at[0] = '\0';
	w->renewed_from[0] = '\0';
	rc = 0;
out:
	free(lint);
	return rc;
}

enum untrust_done
trust_withdraw(struct state *st, const struct st_peer *p, time_t now)
{
	struct st_peer *w;
	char at[ISO_TIME_LEN];

	iso_time(now, at);
	if (p->trusted) {
		w = state_peer_edit(st, p);
		w->trusted = 0;
		memcpy(w->untrusted_at, at, sizeof at);
		w->superseded_by[0] = '\0';
		return UNTRUST_WITHDRAWN;
	}
	if (state_peer_retired(p))
		return UNTRUST_ALREADY;
	w = state_peer_edit(st, p);
	memcpy(w->rejected_at, at, sizeof at);
	return UNTRUST_REJECTED;
}

/* trust_status_of with the record of `hex` already found (`self`, NULL
 * when none is held): the lists ask for every correspondent, and finding
 * each one again by its fingerprint cost a lookup apiece. */
static void
status_of(const struct state *st, const struct st_peer *self, const char *hex,
	  const char *const *addrs, size_t n_addrs, struct trust_status *out)
{
	const struct st_peer *prev = NULL;

	memset(out, 0, sizeof *out);
	if (state_ident_by_hex(st, hex) != NULL) {
		out->own = 1;
		return;
	}
	if (self != NULL) {
		out->known = 1;
		out->trusted = self->trusted;
		out->renewed = self->trusted && self->renewed_from[0];
		out->retired = state_peer_retired(self);
		memcpy(out->until, self->untrusted_at, sizeof out->until);
	}
	if (out->trusted || out->retired)
		return;
	/* Another certificate for one of its addresses: trusted now (that
	 * one first), or trusted once (withdrawn, not merely set aside). */
	for (size_t i = 0; i < n_addrs; i++) {
		const struct st_peer *o;
		size_t it = 0;

		while ((o = state_peer_by_addr(st, addrs[i], &it)) != NULL) {
			if (o == self)
				continue;
			if (o->trusted && (prev == NULL || !prev->trusted))
				prev = o;
			else if (prev == NULL && o->untrusted_at[0])
				prev = o;
		}
	}
	out->changed = prev;
}

void
trust_status_of(const struct state *st, const char *hex, const char *const *addrs, size_t n_addrs,
		struct trust_status *out)
{
	status_of(st, state_peer_by_hex(st, hex), hex, addrs, n_addrs, out);
}

void
trust_status_cert(const struct state *st, X509 *cert, struct trust_status *out)
{
	char hex[FPR_HEX_LEN], **addrs = NULL;
	size_t n = peer_cert_addrs(cert, &addrs, NULL);

	fpr_cert_hex(cert, hex);
	trust_status_of(st, hex, (const char *const *)addrs, n, out);
	cert_emails_free(addrs, n);
}

void
trust_status_peer(const struct state *st, const struct st_peer *p, struct trust_status *out)
{
	/* A record of `st` is the one its fingerprint finds there. */
	status_of(st, state_peer_owns(st, p) ? p : state_peer_by_hex(st, p->hex), p->hex, p->addr,
		  p->n_addr, out);
}

const struct st_peer *
trust_renewal_of(const struct home *h, const struct state *st, X509 *cert, time_t now)
{
	char hex[FPR_HEX_LEN], **addrs = NULL;
	const struct st_peer *self, *pin = NULL, *o;
	struct lint_report *lint = NULL;
	struct err ignore = ERR_INIT;
	X509 *ca = NULL;
	size_t n, it = 0;
	int ok = 0;

	fpr_cert_hex(cert, hex);
	self = state_peer_by_hex(st, hex);
	if (h == NULL || state_ident_by_hex(st, hex) != NULL ||
	    (self != NULL && (self->trusted || state_peer_retired(self))) ||
	    cred_self_signed(cert) || cred_is_ca(cert))
		return NULL;
	n = peer_cert_addrs(cert, &addrs, NULL);
	/* The record trusted for its main address, of the CA form. */
	while (n > 0 && (o = state_peer_by_addr(st, addrs[0], &it)) != NULL)
		if (o->trusted && o->ca[0])
			pin = o;
	if (pin == NULL || peer_ca_cert(h, pin, &ca, &ignore) != 0 || !cred_issued_by(cert, ca))
		goto out;
	/* A renewal is newer than what it replaces: an older certificate of
	 * the same CA (one replaced earlier) never takes the trust back. */
	{
		char nb[ISO_TIME_LEN];

		if (asn1_time_iso(X509_get0_notBefore(cert), nb, sizeof nb) != 0 ||
		    strcmp(nb, pin->not_before) <= 0)
			goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (!state_peer_has_addr(pin, addrs[i]) || !cred_ca_permits(ca, addrs[i]))
			goto out;
	lint = xcalloc(1, sizeof *lint);
	lint_cert(cert, NULL, now, lint);
	ok = lint_count(lint, LINT_ERROR) == 0;
out:
	free(lint);
	X509_free(ca);
	cert_emails_free(addrs, n);
	return ok ? pin : NULL;
}

void
trust_apply_renewal(struct state *st, const struct st_peer *p, const struct st_peer *was,
		    time_t now)
{
	char at[ISO_TIME_LEN];
	struct st_peer *w;
	enum verify_method method = was->verified;
	char verified_at[ISO_TIME_LEN], from[FPR_HEX_LEN];

	memcpy(verified_at, was->verified_at, sizeof verified_at);
	memcpy(from, was->hex, sizeof from);
	iso_time(now, at);
	supersede(st, p, at, NULL);
	w = state_peer_edit(st, p);
	w->trusted = 1;
	w->verified = method;
	memcpy(w->verified_at, verified_at, sizeof verified_at);
	w->forced = 0;
	w->untrusted_at[0] = w->superseded_by[0] = w->rejected_at[0] = '\0';
	memcpy(w->renewed_from, from, sizeof from);
}

size_t
trust_duplicates(const struct state *st, const struct st_peer *p, const struct st_peer **others,
		 size_t max)
{
	size_t n = 0;

	if (state_peer_retired(p))
		return 0;
	for (size_t i = 0; i < p->n_addr; i++) {
		const struct st_peer *o;
		size_t it = 0;

		while ((o = state_peer_by_addr(st, p->addr[i], &it)) != NULL) {
			int seen = 0;

			if (o == p || state_peer_retired(o))
				continue;
			/* Counted once, though it may share several addresses. */
			for (size_t k = 0; k < i && !seen; k++)
				seen = state_peer_has_addr(o, p->addr[k]);
			if (seen)
				continue;
			if (others != NULL && n < max)
				others[n] = o;
			n++;
		}
	}
	return n;
}
