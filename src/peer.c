#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>

#include <openssl/x509.h>

#include "addr.h"
#include "cred.h"
#include "fileio.h"
#include "fpr.h"
#include "ident.h"
#include "peer.h"
#include "xalloc.h"

char *
peer_path(const struct home *h, const char *hex)
{
	char rel[128];

	snprintf(rel, sizeof rel, PEER_DIR "/%s.pem", hex);
	return home_path(h, rel);
}

size_t
peer_cert_addrs(X509 *cert, char ***out, size_t *invalid)
{
	char **all = NULL;
	size_t n = cert_emails(cert, &all), kept = 0, bad = 0;

	for (size_t i = 0; i < n; i++) {
		if (kept < PEER_ADDRS_MAX && addr_check(all[i], NULL) == 0) {
			all[kept++] = all[i];
			continue;
		}
		bad += addr_check(all[i], NULL) != 0;
		free(all[i]);
	}
	if (invalid != NULL)
		*invalid = bad;
	if (kept == 0) {
		free(all);
		all = NULL;
	}
	*out = all;
	return kept;
}

/* A certificate larger than PEER_CERT_MAX: refused, `what` naming it. */
static int
too_large(X509 *cert, const char *what, struct err *e)
{
	int n = i2d_X509(cert, NULL);

	if (n >= 0 && n <= PEER_CERT_MAX)
		return 0;
	return err_set(e,
		       "%s is %d bytes long; padseal takes certificates of at most %d bytes (real ones have a few thousand); nothing was imported",
		       what, n, PEER_CERT_MAX);
}

int
peer_check(const struct state *st, X509 *cert, size_t *invalid, struct err *e)
{
	char hex[FPR_HEX_LEN], **addrs = NULL, *cn;
	size_t total, n, bad = 0;
	int rc = -1;

	if (invalid != NULL)
		*invalid = 0;
	fpr_cert_hex(cert, hex);
	if (state_ident_by_hex(st, hex) != NULL)
		return err_set(e, "this is your own certificate, not a correspondent's");
	if (too_large(cert, "the certificate", e) != 0)
		return -1;
	if ((total = cert_email_count(cert)) > PEER_ADDRS_MAX)
		return err_set(e,
			       "the certificate holds %zu addresses; padseal takes a correspondent's certificate with at most %d",
			       total, PEER_ADDRS_MAX);
	n = peer_cert_addrs(cert, &addrs, &bad);
	if (invalid != NULL)
		*invalid = bad;
	cn = cert_common_name(cert);
	if (n == 0 && bad > 0)
		err_set(e,
			"none of the certificate's addresses is a valid email address, so no mail client can use it for a correspondent");
	else if (n == 0)
		err_set(e,
			"the certificate has no email address, so no mail client can use it for a correspondent");
	else if (cn != NULL && strlen(cn) > PEER_NAME_MAX)
		err_set(e, "the certificate's name is %zu bytes long; padseal takes at most %d",
			strlen(cn), PEER_NAME_MAX);
	else
		rc = 0;
	free(cn);
	cert_emails_free(addrs, n);
	return rc;
}

/* The certificate's facts into its record. */
static void
fill_facts(struct state *st, struct st_peer *p, X509 *cert, time_t now)
{
	struct lint_report *lint = xcalloc(1, sizeof *lint);
	char *cn = cert_common_name(cert), codes[400];

	cert_key_desc(cert, p->key, sizeof p->key);
	asn1_time_iso(X509_get0_notBefore(cert), p->not_before, sizeof p->not_before);
	asn1_time_iso(X509_get0_notAfter(cert), p->not_after, sizeof p->not_after);
	p->not_after_t = iso_parse(p->not_after);
	fpr_isn(cert, p->isn);
	{
		unsigned char d[FPR_MAX];
		size_t n = fpr_digest(cert, FPR_SHA1, d);

		if (n == 20)
			fpr_hex(d, n, p->sha1);
	}
	p->name = state_str(st, cn != NULL ? cn : "");
	lint_cert(cert, NULL, now, lint);
	lint_codes(lint, codes, sizeof codes);
	p->lint = codes[0] ? state_str(st, codes) : NULL;
	free(cn);
	free(lint);
}

int
peer_store(const struct home *h, struct state *st, X509 *cert, const char *source, time_t now,
	   const struct st_peer **out, int *added, struct err *e)
{
	char hex[FPR_HEX_LEN], **addrs = NULL, *dir = NULL, *path = NULL, *pem = NULL;
	const struct st_peer *have;
	struct st_peer *p;
	size_t n = 0, len;
	int rc = -1;

	*added = 0;
	if (out != NULL)
		*out = NULL;
	fpr_cert_hex(cert, hex);
	if (peer_check(st, cert, NULL, e) != 0)
		return -1;
	dir = home_path(h, PEER_DIR);
	path = peer_path(h, hex);
	pem = cert_to_pem(cert, &len);
	if (dir_ensure(dir, e) != 0)
		goto out;
	if (!path_exists(path) && file_write_atomic(path, pem, len, FILE_NOCLOBBER, e) != 0)
		goto out;
	if ((have = state_peer_by_hex(st, hex)) != NULL) {
		if (out != NULL)
			*out = have;
		rc = 0;
		goto out;
	}
	n = peer_cert_addrs(cert, &addrs, NULL);
	p = state_peer_add(st, hex, (const char *const *)addrs, n);
	fill_facts(st, p, cert, now);
	iso_time(now, p->received);
	p->source = state_str(st, source);
	*added = 1;
	if (out != NULL)
		*out = p;
	rc = 0;
out:
	cert_emails_free(addrs, n);
	free(dir);
	free(path);
	OPENSSL_free(pem);
	return rc;
}

int
peer_facts_from_files(const struct home *h, struct state *st, struct err *e)
{
	time_t now = time(NULL); /* only the date-free findings are kept */

	for (size_t i = 0; i < state_n_peers(st); i++) {
		const struct st_peer *p = state_peer(st, i);
		X509 *cert = NULL;

		if (peer_cert(h, p, &cert, e) != 0)
			return -1;
		fill_facts(st, state_peer_edit(st, p), cert, now);
		X509_free(cert);
	}
	return 0;
}

size_t
peer_hex_digits(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		if (*s == ':' || *s == ' ')
			continue;
		if (!isxdigit((unsigned char)*s))
			return 0;
		n++;
	}
	return n;
}

/* Compare a hex prefix (colons and spaces ignored) with a fingerprint. */
static int
prefix_matches(const char *spec, const char *hex)
{
	for (; *spec; spec++) {
		if (*spec == ':' || *spec == ' ')
			continue;
		if (*hex == '\0' || toupper((unsigned char)*spec) != *hex)
			return 0;
		hex++;
	}
	return 1;
}

#define HITS_LISTED 16

const struct st_peer *
peer_resolve(const struct state *st, const char *spec, struct err *e)
{
	const struct st_peer *hits[HITS_LISTED], *trusted = NULL, *p;
	size_t n = 0, ntrusted = 0, it = 0;
	int by_hex = strchr(spec, '@') == NULL;
	char list[1024] = "";

	if (by_hex && peer_hex_digits(spec) < PEER_PREFIX_MIN) {
		err_set(e,
			"\"%s\" is neither an address nor a fingerprint (give at least %d hex digits)",
			spec, PEER_PREFIX_MIN);
		return NULL;
	}
	if (by_hex) {
		for (size_t i = 0; i < state_n_peers(st); i++) {
			if (!prefix_matches(spec, state_peer_hex(st, i)))
				continue;
			if (n < HITS_LISTED)
				hits[n] = state_peer(st, i);
			n++;
		}
	} else {
		while ((p = state_peer_by_addr(st, spec, &it)) != NULL) {
			if (n < HITS_LISTED)
				hits[n] = p;
			n++;
			if (p->trusted) {
				trusted = p;
				ntrusted++;
			}
		}
	}
	if (state_damage(st, e) != 0)
		return NULL;
	if (n == 0) {
		err_set(e,
			"no correspondent's certificate matches %s; import it first with padseal import FILE",
			spec);
		return NULL;
	}
	if (n == 1)
		return hits[0];
	if (!by_hex && ntrusted == 1)
		return trusted;
	for (size_t i = 0; i < n && i < HITS_LISTED; i++) {
		size_t used = strlen(list);

		snprintf(list + used, sizeof list - used, "%s%.16s", i ? ", " : "", hits[i]->hex);
	}
	err_set(e, "%s matches %zu certificates; name one by fingerprint: %s%s", spec, n, list,
		n > HITS_LISTED ? ", ..." : "");
	err_code(e, ERR_USAGE);
	return NULL;
}

/* The certificate at `path`, read from the home, whose SHA-256 must be
 * `hex` (what the checklist recorded); `what` names it in messages. */
static int
pinned_cert(const char *path, const char *hex, const char *what, const char *who, X509 **out,
	    struct err *e)
{
	char got[FPR_HEX_LEN];
	unsigned char *buf = NULL;
	size_t len;
	int rc = -1;

	*out = NULL;
	if (file_read_home(path, FILE_MAX_CERT, &buf, &len, e) != 0 ||
	    cert_parse(buf, len, path, out, e) != 0)
		goto out;
	fpr_cert_hex(*out, got);
	if (strcmp(got, hex) != 0) {
		err_set(e,
			"the %s file %s of %s is not the one padseal recorded (it changed on disk); import their certificate again",
			what, path, who);
		X509_free(*out);
		*out = NULL;
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

int
peer_cert(const struct home *h, const struct st_peer *p, X509 **out, struct err *e)
{
	char *path = peer_path(h, p->hex);
	int rc = -1;

	*out = NULL;
	if (!path_exists(path))
		err_set(e,
			"the certificate file %s of %s is missing; import their certificate again (padseal import FILE) to put it back",
			path, p->addr[0]);
	else
		rc = pinned_cert(path, p->hex, "certificate", p->addr[0], out, e);
	free(path);
	return rc;
}

void
hex_colon(const char *hex, char out[FPR_COLON_LEN])
{
	char *o = out;

	/* Records hold upper-case hex digits, checked when read: pair them. */
	for (size_t i = 0; hex[i] != '\0' && hex[i + 1] != '\0' && i < 64; i += 2) {
		if (i)
			*o++ = ':';
		*o++ = hex[i];
		*o++ = hex[i + 1];
	}
	*o = '\0';
}

void
peer_colon(const struct st_peer *p, char out[FPR_COLON_LEN])
{
	hex_colon(p->hex, out);
}

void
peer_info_cert(X509 *cert, time_t now, struct peer_info *out)
{
	char **emails = NULL, *cn = cert_common_name(cert);
	size_t n, used = 0;

	memset(out, 0, sizeof *out);
	n = peer_cert_addrs(cert, &emails, &out->n_invalid);
	fpr_digest(cert, FPR_SHA256, out->sha256);
	fpr_digest(cert, FPR_SHA1, out->sha1);
	fpr_hex(out->sha256, 32, out->hex);
	fpr_colon(out->sha256, 32, out->colon);
	snprintf(out->name, sizeof out->name, "%s", cn != NULL ? cn : "");
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(emails[i]);

		if (used + (i > 0) + len >= sizeof out->emails)
			break; /* whole addresses only */
		if (i > 0)
			out->emails[used++] = ',';
		memcpy(out->emails + used, emails[i], len + 1);
		used += len;
		out->n_emails++;
	}
	cert_key_desc(cert, out->key, sizeof out->key);
	asn1_time_iso(X509_get0_notBefore(cert), out->not_before, sizeof out->not_before);
	asn1_time_iso(X509_get0_notAfter(cert), out->not_after, sizeof out->not_after);
	out->not_after_t = asn1_time_t(X509_get0_notAfter(cert));
	lint_cert(cert, NULL, now, &out->lint);
	cert_emails_free(emails, n);
	free(cn);
}

int
peer_info(const struct home *h, const struct st_peer *p, time_t now, struct peer_info *out,
	  struct err *e)
{
	X509 *cert = NULL;

	memset(out, 0, sizeof *out);
	if (peer_cert(h, p, &cert, e) != 0)
		return -1;
	peer_info_cert(cert, now, out);
	X509_free(cert);
	if (p->ca[0]) {
		if (peer_ca_cert(h, p, &cert, e) != 0)
			return -1;
		fpr_digest(cert, FPR_SHA256, out->ca_sha256);
		fpr_digest(cert, FPR_SHA1, out->ca_sha1);
		out->has_ca = 1;
		X509_free(cert);
	}
	return 0;
}

size_t
peer_files_missing(const struct home *h, const struct state *st, unsigned char *missing)
{
	char *dir = home_path(h, PEER_DIR);
	size_t n = state_n_peers(st), count = 0;
	DIR *d = opendir(dir);
	struct dirent *de;

	/* Each file found clears its record's mark (by the fingerprint index). */
	memset(missing, 1, n);
	while (d != NULL && (de = readdir(d)) != NULL) {
		char hex[FPR_HEX_LEN];
		const struct st_peer *p;

		if (strlen(de->d_name) != 68 || strcmp(de->d_name + 64, ".pem") != 0)
			continue;
		memcpy(hex, de->d_name, 64);
		hex[64] = '\0';
		if ((p = state_peer_by_hex(st, hex)) != NULL)
			missing[state_peer_index(st, p)] = 0;
	}
	if (d != NULL)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		count += missing[i];
	free(dir);
	return count;
}

char *
peer_ca_path(const struct home *h, const char *hex)
{
	char rel[128];

	snprintf(rel, sizeof rel, PEER_DIR "/ca-%s.pem", hex);
	return home_path(h, rel);
}

int
peer_ca_cert(const struct home *h, const struct st_peer *p, X509 **out, struct err *e)
{
	char *path;
	int rc;

	*out = NULL;
	if (!p->ca[0])
		return err_set(e, "the certificate of %s was not issued by a CA padseal holds",
			       p->addr[0]);
	path = peer_ca_path(h, p->ca);
	rc = pinned_cert(path, p->ca, "CA certificate", p->addr[0], out, e);
	free(path);
	return rc;
}

X509 *
peer_ca_find(X509 *leaf, STACK_OF(X509) * carried)
{
	if (cred_self_signed(leaf) || cred_is_ca(leaf))
		return NULL;
	for (int i = 0; carried != NULL && i < sk_X509_num(carried); i++) {
		X509 *c = sk_X509_value(carried, i);

		if (c != leaf && cred_is_ca(c) && cred_self_signed(c) && cred_issued_by(leaf, c))
			return c;
	}
	return NULL;
}

int
peer_ca_check(X509 *leaf, X509 *ca, struct err *e)
{
	char **addrs = NULL;
	size_t n;
	int rc = 0;

	if (too_large(ca, "the CA certificate that came with it", e) != 0)
		return -1;
	n = peer_cert_addrs(leaf, &addrs, NULL);
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!cred_ca_permits(ca, addrs[i]))
			rc = err_set(e,
				     "the certificate of %s came with the CA that issued it, but that CA does not permit the address %s; nothing was imported",
				     addrs[0], addrs[i]);
	cert_emails_free(addrs, n);
	return rc;
}

int
peer_ca_store(const struct home *h, struct state *st, const struct st_peer *p, X509 *ca, int *added,
	      struct err *e)
{
	char hex[FPR_HEX_LEN], *path;
	char *pem = NULL;
	size_t len;
	int rc = 0;

	*added = 0;
	fpr_cert_hex(ca, hex);
	/* A record keeps the CA it was first stored with, and a trusted one
	 * never gains one: what was verified stays what is pinned. */
	if (p->ca[0] || p->trusted || state_peer_retired(p))
		return 0;
	path = peer_ca_path(h, hex);
	if (!path_exists(path)) {
		pem = cert_to_pem(ca, &len);
		rc = file_write_atomic(path, pem, len, FILE_NOCLOBBER, e);
		*added = rc == 0;
	}
	if (rc == 0)
		memcpy(state_peer_edit(st, p)->ca, hex, FPR_HEX_LEN);
	OPENSSL_free(pem);
	free(path);
	return rc;
}
