/* Taking correspondents' certificates from signed messages and certificate
 * files: the half of `import` that both front ends share. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h> /* before cms.h, which declares PEM_read_bio_CMS */
#include <openssl/pkcs12.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "cred.h"
#include "fpr.h"
#include "import.h"
#include "mime.h"
#include "outlook.h"
#include "trust.h"
#include "xalloc.h"

struct import_set {
	STACK_OF(X509) * certs;
	STACK_OF(X509) * cas; /* CA certificates that came with them */
	X509 *ca[IMPORT_MAX]; /* the one that issued certificate i, or NULL */
	int added[IMPORT_MAX];
	int ca_added[IMPORT_MAX]; /* its file was written by import_store */
	int renewed[IMPORT_MAX];  /* trusted as a renewal by the pinned CA */
	int made[IMPORT_MAX];     /* trusted by import_trust */
	int stored;               /* import_store succeeded */
};

/* Keep end-entity certificates with an address; CA certificates go to
 * `cas` (they are stored only as the CA of a certificate they issued). */
static void
keep_mail_certs(STACK_OF(X509) * in, STACK_OF(X509) * out, STACK_OF(X509) * cas)
{
	for (int i = 0; in != NULL && i < sk_X509_num(in); i++) {
		X509 *x = sk_X509_value(in, i);
		char **emails;
		size_t n = cert_emails(x, &emails);

		cert_emails_free(emails, n);
		if (X509_get_extension_flags(x) & EXFLAG_CA) {
			if (sk_X509_num(cas) < IMPORT_MAX && X509_up_ref(x))
				sk_X509_push(cas, x);
			continue;
		}
		if (n == 0 || sk_X509_num(out) >= IMPORT_MAX)
			continue;
		X509_up_ref(x);
		sk_X509_push(out, x);
	}
}

/* Certificates from PEM/DER certificates or a PKCS#7/CMS bundle.  0 when
 * the bytes are none of those. */
static int
certs_from_file(const unsigned char *buf, size_t len, STACK_OF(X509) * out, STACK_OF(X509) * cas)
{
	STACK_OF(X509) *all = xcheck(sk_X509_new_null());
	BIO *bio = xcheck(BIO_new_mem_buf(buf, (int)len));
	CMS_ContentInfo *cms = NULL;
	const unsigned char *q = buf;
	X509 *x;
	int found = 0;

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
	keep_mail_certs(all, out, cas);
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
		if (r->layer[j].kind == LAYER_SIGNED &&
		    strcmp(r->layer[j].signer_hex, r->layer[i].signer_hex) == 0)
			return 1;
	return 0;
}

/* The signers' certificates of a signed message, every signature checked
 * first. */
static int
certs_from_message(const struct msg_ctx *ctx, const unsigned char *buf, size_t len,
		   const char *name, STACK_OF(X509) * out, STACK_OF(X509) * cas, struct err *e)
{
	const struct msg_layer *l = NULL;
	struct msg_report r;

	if (msg_open(ctx, buf, len, &r, e) != 0)
		return -1;
	/* Every signature must hold; then each signer (the sender, and the
	 * author of a signed message it wraps) is taken. */
	for (size_t i = 0; i < r.n_layers && !e->set; i++) {
		if (r.layer[i].kind != LAYER_SIGNED)
			continue;
		l = &r.layer[i];
		if (l->sig == SIG_INVALID)
			err_set(e, "the signature does not match the message; "
				   "nothing was imported");
		else if (l->sig == SIG_UNCHECKABLE || l->signer_der == NULL)
			err_set(e,
				"the signature cannot be checked (%s); "
				"nothing was imported",
				l->note);
	}
	if (l == NULL)
		err_set(e,
			"%s has no S/MIME signature, so it carries no "
			"certificate; nothing was imported",
			name);
	for (size_t i = 0; i < r.n_layers && !e->set; i++) {
		const unsigned char *q = r.layer[i].signer_der;
		X509 *x;

		if (r.layer[i].kind != LAYER_SIGNED || r.layer[i].own || dup_signer(&r, i) ||
		    sk_X509_num(out) >= IMPORT_MAX)
			continue;
		/* msg encoded it: decoding fails only when memory runs out */
		x = xcheck(d2i_X509(NULL, &q, (long)r.layer[i].signer_der_len));
		if (!sk_X509_push(out, x))
			xalloc_die();
		if ((q = r.layer[i].signer_ca_der) != NULL) {
			x = xcheck(d2i_X509(NULL, &q, (long)r.layer[i].signer_ca_der_len));
			if (!sk_X509_push(cas, x))
				xalloc_die();
		}
	}
	if (!e->set && sk_X509_num(out) == 0)
		err_set(e, "this message is signed by you: it carries your own "
			   "certificate, not a correspondent's; nothing was "
			   "imported");
	msg_report_free(&r);
	return e->set ? -1 : 0;
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

/* A message has a header block with mail fields; certificate files (even
 * `openssl x509 -text` output, "Certificate:") do not. */
static int
is_message(const unsigned char *buf, size_t len)
{
	struct mime_entity m;
	int yes;

	if (outlook_is_msg(buf, len))
		return 1;
	yes = mime_parse(buf, len, MIME_MESSAGE, NULL, &m, NULL) == 0 &&
	      (has_field(&m, "Content-Type") || has_field(&m, "From") ||
	       has_field(&m, "MIME-Version"));

	mime_entity_free(&m);
	return yes;
}

int
import_read(const struct msg_ctx *ctx, const unsigned char *buf, size_t len, const char *name,
	    struct import_set **out, struct err *e)
{
	struct import_set *s = xcalloc(1, sizeof *s);

	*out = NULL;
	s->certs = xcheck(sk_X509_new_null());
	s->cas = xcheck(sk_X509_new_null());
	if (is_message(buf, len)) {
		if (certs_from_message(ctx, buf, len, name, s->certs, s->cas, e) != 0)
			goto fail;
	} else if (!certs_from_file(buf, len, s->certs, s->cas)) {
		if (is_pkcs12(buf, len))
			err_set(e,
				"%s is a PKCS#12 backup with a private key: "
				"restore your own with padseal restore FILE; "
				"for a correspondent ask for their "
				"certificate or a signed message",
				name);
		else
			err_set(e,
				"%s is neither a signed message nor a "
				"certificate (PEM, DER, .p7s, .p7c, .p7b); "
				"nothing was imported",
				name);
		goto fail;
	}
	if (sk_X509_num(s->certs) == 0) {
		err_set(e,
			"%s holds no correspondent's certificate (one with "
			"an email address that is not a CA's); nothing was "
			"imported",
			name);
		goto fail;
	}
	/* Each certificate with the CA that issued it, when that came too; a
	 * CA that does not permit its addresses refuses the whole file. */
	for (int i = 0; i < sk_X509_num(s->certs); i++) {
		s->ca[i] = peer_ca_find(sk_X509_value(s->certs, i), s->cas);
		if (s->ca[i] != NULL && peer_ca_check(sk_X509_value(s->certs, i), s->ca[i], e) != 0)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	import_free(s);
	return -1;
}

void
import_free(struct import_set *s)
{
	if (s == NULL)
		return;
	sk_X509_pop_free(s->certs, X509_free);
	sk_X509_pop_free(s->cas, X509_free);
	free(s);
}

size_t
import_count(const struct import_set *s)
{
	return (size_t)sk_X509_num(s->certs);
}

int
import_check(const struct state *st, const struct import_set *s, struct err *e)
{
	for (int i = 0; i < sk_X509_num(s->certs); i++) {
		struct err e2 = ERR_INIT;

		if (peer_check(st, sk_X509_value(s->certs, i), NULL, &e2) == 0)
			continue;
		if (strstr(e2.msg, "your own certificate") != NULL)
			return err_set(e,
				       "this is your own certificate, not a correspondent's; nothing was imported");
		return err_copy(e, &e2);
	}
	return 0;
}

int
import_store(const struct home *h, struct state *st, struct import_set *s, const char *source,
	     time_t now, struct err *e)
{
	memset(s->added, 0, sizeof s->added);
	memset(s->ca_added, 0, sizeof s->ca_added);
	memset(s->renewed, 0, sizeof s->renewed);
	memset(s->made, 0, sizeof s->made);
	s->stored = 0;
	if (import_check(st, s, e) != 0)
		return -1;
	for (int i = 0; i < sk_X509_num(s->certs); i++) {
		X509 *x = sk_X509_value(s->certs, i);
		const struct st_peer *p, *was;

		/* Marked stored at once: import_unstore removes what was
		 * written so far when a later one fails. */
		s->stored = 1;
		if (peer_store(h, st, x, source, now, &p, &s->added[i], e) != 0 ||
		    (s->ca[i] != NULL &&
		     peer_ca_store(h, st, p, s->ca[i], &s->ca_added[i], e) != 0))
			return -1;
		/* Issued by the CA verified for its addresses: a renewal. */
		if ((was = trust_renewal_of(h, st, x, now)) != NULL) {
			trust_apply_renewal(st, p, was, now);
			s->renewed[i] = 1;
		}
	}
	s->stored = 1;
	return 0;
}

int
import_trust(const struct home *h, struct state *st, struct import_set *s,
	     enum verify_method method, time_t now, struct err *e)
{
	for (int i = 0; i < sk_X509_num(s->certs); i++) {
		char hex[FPR_HEX_LEN];
		const struct st_peer *p;
		struct trust_done done;

		fpr_cert_hex(sk_X509_value(s->certs, i), hex);
		if ((p = state_peer_by_hex(st, hex)) == NULL)
			return err_set(e, "the certificate %.16s was not stored", hex);
		if (trust_apply(h, st, p, method, 0, now, &done, e) != 0)
			return -1;
		s->made[i] = 1;
	}
	return 0;
}

size_t
import_added(const struct import_set *s)
{
	size_t n = 0;

	for (int i = 0; s->stored && i < sk_X509_num(s->certs); i++)
		n += s->added[i] != 0 || s->ca_added[i] != 0 || s->renewed[i] != 0 ||
		     s->made[i] != 0;
	return n;
}

void
import_unstore(const struct home *h, const struct import_set *s)
{
	for (int i = 0; s->stored && i < sk_X509_num(s->certs); i++) {
		char hex[FPR_HEX_LEN], *path;

		if (s->ca_added[i]) {
			fpr_cert_hex(s->ca[i], hex);
			path = peer_ca_path(h, hex);
			unlink(path);
			free(path);
		}
		if (!s->added[i])
			continue;
		fpr_cert_hex(sk_X509_value(s->certs, i), hex);
		path = peer_path(h, hex);
		unlink(path);
		free(path);
	}
}

/* How many certificates held in `st` carry `addr`. */
static size_t
holders(const struct state *st, const char *addr)
{
	size_t n = 0, it = 0;

	while (state_peer_by_addr(st, addr, &it) != NULL)
		n++;
	return n;
}

void
import_view(const struct import_set *s, size_t i, const struct state *st, time_t now,
	    struct import_view *out)
{
	X509 *x = sk_X509_value(s->certs, (int)i);
	struct trust_status ts;
	char **addrs = NULL;
	size_t n;

	memset(out, 0, sizeof *out);
	peer_info_cert(x, now, &out->info);
	out->held = state_peer_by_hex(st, out->info.hex) != NULL;
	out->added = s->stored && i < IMPORT_MAX && s->added[i];
	out->renewed = s->stored && i < IMPORT_MAX && s->renewed[i];
	out->made = s->stored && i < IMPORT_MAX && s->made[i];
	if (s->ca[i] != NULL) {
		fpr_digest(s->ca[i], FPR_SHA256, out->ca_sha256);
		fpr_colon(out->ca_sha256, 32, out->ca_colon);
	}
	n = peer_cert_addrs(x, &addrs, NULL);
	for (size_t k = 0; k < n; k++) {
		size_t c = holders(st, addrs[k]) + !out->held;

		if (c > out->holders)
			out->holders = c;
	}
	trust_status_of(st, out->info.hex, (const char *const *)addrs, n, &ts);
	cert_emails_free(addrs, n);
	out->own = ts.own;
	out->trusted = ts.trusted;
	out->changed = ts.changed != NULL;
}
