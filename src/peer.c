#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509.h>

#include "addr.h"
#include "cred.h"
#include "fileio.h"
#include "fpr.h"
#include "ident.h"
#include "isotime.h"
#include "peer.h"
#include "xalloc.h"

#define REC "peer"

struct rec *
peer_by_hex(const struct state *st, const char *hex)
{
	return state_find(st, REC, "fpr", hex);
}

int
peer_has_address(const struct rec *r, const char *addr)
{
	const char *list = rec_get(r, "emails"), *p;
	size_t n = strlen(addr);

	for (p = list; p != NULL && *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && strncasecmp(p, addr, n) == 0)
			return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

int
peer_shares_address(const struct rec *a, const struct rec *b)
{
	const char *p = rec_get(a, "emails");

	while (p != NULL && *p) {
		size_t len = strcspn(p, ",");
		char addr[ADDR_MAX];

		snprintf(addr, sizeof addr, "%.*s", (int)len, p);
		if (len > 0 && peer_has_address(b, addr))
			return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

static char *
join(char **list, size_t n)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < n; i++)
		len += strlen(list[i]) + 1;
	s = xcalloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, list[i]);
	}
	return s;
}

static char *
peer_path(const struct home *h, const char *hex)
{
	char rel[128];

	snprintf(rel, sizeof rel, PEER_DIR "/%s.pem", hex);
	return home_path(h, rel);
}

/* Was one of `emails` held by another certificate that was trusted? */
static int
address_changed(const struct state *st, const char *hex, char **emails, size_t n)
{
	for (struct rec *r = state_first(st, REC); r; r = state_next(r, REC)) {
		if (strcmp(rec_get(r, "fpr"), hex) == 0)
			continue;
		if (rec_get(r, "trusted") == NULL && rec_get(r, "untrusted-at") == NULL)
			continue;
		for (size_t i = 0; i < n; i++)
			if (peer_has_address(r, emails[i]))
				return 1;
	}
	return 0;
}

int
peer_store(const struct home *h, struct state *st, X509 *cert, const char *source, int *added,
	   struct err *e)
{
	char hex[FPR_HEX_LEN], colon[FPR_COLON_LEN], now[ISO_TIME_LEN];
	char **emails = NULL, *list = NULL, *dir = NULL, *path = NULL, *pem = NULL;
	size_t n, len;
	struct rec *r;
	int rc = -1;

	*added = 0;
	fpr_cert_hex(cert, hex);
	fpr_cert_colon(cert, colon);
	if (peer_by_hex(st, hex) != NULL)
		return 0;
	if ((n = cert_emails(cert, &emails)) == 0) {
		err_set(e,
			"the certificate has no email address, so no mail client can use it for a correspondent");
		goto out;
	}
	for (r = state_first(st, "identity"); r; r = state_next(r, "identity"))
		if (strcmp(rec_get(r, "fpr"), hex) == 0) {
			err_set(e, "this is your own certificate, not a correspondent's");
			goto out;
		}
	dir = home_path(h, PEER_DIR);
	path = peer_path(h, hex);
	pem = cert_to_pem(cert, &len);
	if (dir_ensure(dir, e) != 0)
		goto out;
	if (!path_exists(path) && file_write_atomic(path, pem, len, FILE_NOCLOBBER, e) != 0)
		goto out;
	list = join(emails, n);
	iso_now(now);
	r = state_add(st, REC);
	rec_set(r, "fpr", hex);
	rec_set(r, "fpr-colon", colon);
	rec_set(r, "email", emails[0]);
	rec_set(r, "emails", list);
	rec_set(r, "received", now);
	rec_set(r, "source", source);
	if (address_changed(st, hex, emails, n))
		rec_set(r, "changed", "1");
	for (size_t i = 0; i < n; i++) {
		struct rec *sent = state_find(st, "intro", "to", emails[i]);

		if (sent != NULL)
			rec_set(r, "sent", rec_get(sent, "at"));
	}
	*added = 1;
	rc = 0;
out:
	cert_emails_free(emails, n);
	free(list);
	free(dir);
	free(path);
	OPENSSL_free(pem);
	return rc;
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

static int
is_hex_prefix(const char *s)
{
	return peer_hex_digits(s) >= PEER_PREFIX_MIN;
}

/* Compare a hex prefix (colons and spaces ignored) with a record's fpr. */
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

enum peer_find
peer_resolve(const struct state *st, const char *spec, struct rec **out, struct err *e)
{
	struct rec *hits[16], *trusted = NULL;
	size_t n = 0, ntrusted = 0;
	int by_hex = strchr(spec, '@') == NULL;
	char list[1024] = "";

	*out = NULL;
	if (by_hex && !is_hex_prefix(spec)) {
		err_set(e,
			"\"%s\" is neither an address nor a fingerprint (give at least %d hex digits)",
			spec, PEER_PREFIX_MIN);
		return PEER_NONE;
	}
	for (struct rec *r = state_first(st, REC); r; r = state_next(r, REC)) {
		if (by_hex ? !prefix_matches(spec, rec_get(r, "fpr")) : !peer_has_address(r, spec))
			continue;
		if (n < sizeof hits / sizeof hits[0])
			hits[n++] = r;
		if (rec_get(r, "trusted") != NULL) {
			trusted = r;
			ntrusted++;
		}
	}
	if (n == 0) {
		err_set(e,
			"no correspondent's certificate matches %s; import it first with padseal import FILE",
			spec);
		return PEER_NONE;
	}
	if (n == 1) {
		*out = hits[0];
		return PEER_FOUND;
	}
	if (!by_hex && ntrusted == 1) {
		*out = trusted;
		return PEER_FOUND;
	}
	for (size_t i = 0; i < n; i++) {
		size_t used = strlen(list);

		snprintf(list + used, sizeof list - used, "%s%.16s", i ? ", " : "",
			 rec_get(hits[i], "fpr"));
	}
	err_set(e, "%s matches %zu certificates; name one by fingerprint: %s", spec, n, list);
	return PEER_AMBIGUOUS;
}

int
peer_cert(const struct home *h, const struct rec *r, X509 **out, struct err *e)
{
	char *path = peer_path(h, rec_get(r, "fpr"));
	unsigned char *buf = NULL;
	size_t len;
	int rc = -1;

	*out = NULL;
	if (file_read(path, FILE_MAX_CERT, &buf, &len, e) == 0)
		rc = cert_parse(buf, len, path, out, e);
	free(buf);
	free(path);
	return rc;
}

int
peer_all_certs(const struct home *h, const struct state *st, STACK_OF(X509) * *out, struct err *e)
{
	STACK_OF(X509) *sk = xcheck(sk_X509_new_null());

	for (struct rec *r = state_first(st, REC); r; r = state_next(r, REC)) {
		X509 *x;

		if (peer_cert(h, r, &x, e) != 0) {
			sk_X509_pop_free(sk, X509_free);
			return -1;
		}
		sk_X509_push(sk, x);
	}
	*out = sk;
	return 0;
}

void
peer_note_sent(struct state *st, const char *addr, const char *when)
{
	struct rec *r = state_find(st, "intro", "to", addr);

	if (r == NULL) {
		r = state_add(st, "intro");
		rec_set(r, "to", addr);
	}
	rec_set(r, "at", when);
	for (struct rec *p = state_first(st, REC); p; p = state_next(p, REC))
		if (peer_has_address(p, addr))
			rec_set(p, "sent", when);
}

void
peer_info_cert(X509 *cert, time_t now, struct peer_info *out)
{
	char **emails = NULL, *cn = cert_common_name(cert);
	size_t n = cert_emails(cert, &emails), used = 0;

	memset(out, 0, sizeof *out);
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
peer_info(const struct home *h, const struct rec *r, time_t now, struct peer_info *out,
	  struct err *e)
{
	X509 *cert = NULL;
	const char *want = rec_get(r, "fpr");

	memset(out, 0, sizeof *out);
	if (peer_cert(h, r, &cert, e) != 0)
		return -1;
	peer_info_cert(cert, now, out);
	X509_free(cert);
	if (want == NULL || strcmp(out->hex, want) != 0)
		return err_set(e,
			       "the stored certificate of %s is not the one "
			       "padseal recorded (its fingerprint changed on "
			       "disk); import it again",
			       rec_get(r, "email") ? rec_get(r, "email") : "this correspondent");
	return 0;
}
