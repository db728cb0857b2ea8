#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "addr.h"
#include "cred.h"
#include "fileio.h"
#include "fpr.h"
#include "ident.h"
#include "pass.h"
#include "xalloc.h"

struct newkey {
	EVP_PKEY *pkey;
	EVP_PKEY *ca; /* the CA's key, or NULL */
	enum key_type type;
};

const char *
ident_form_name(enum ident_form f)
{
	switch (f) {
	case FORM_SELF_SIGNED: return "self-signed";
	case FORM_CA: return "ca";
	case FORM_ISSUED: break;
	}
	return "issued";
}

void
ident_clear(struct ident *id)
{
	free(id->name);
	cert_emails_free(id->emails, id->n_emails);
	free(id->backup_path);
	memset(id, 0, sizeof *id);
}

static void
copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* Path of a file of identity `hex` (free()). */
static char *
ident_file(const struct home *h, const char *hex, const char *name)
{
	char rel[256];

	snprintf(rel, sizeof rel, IDENT_DIR "/%s/%s", hex, name);
	return home_path(h, rel);
}

/* Fill `id` from a certificate. */
static void
fill(struct ident *id, X509 *cert, time_t now)
{
	unsigned char d[FPR_MAX];
	size_t n;

	n = fpr_digest(cert, FPR_SHA256, d);
	fpr_hex(d, n, id->hex);
	fpr_colon(d, n, id->fpr);
	fpr_grouped(d, n, id->grouped, sizeof id->grouped);
	n = fpr_digest(cert, FPR_SHA1, d);
	fpr_colon(d, n, id->fpr_sha1);
	id->name = cert_common_name(cert);
	id->n_emails = cert_emails(cert, &id->emails);
	cert_key_desc(cert, id->key, sizeof id->key);
	cert_serial_hex(cert, id->serial, sizeof id->serial);
	asn1_time_iso(X509_get0_notBefore(cert), id->not_before, sizeof id->not_before);
	asn1_time_iso(X509_get0_notAfter(cert), id->not_after, sizeof id->not_after);
	id->not_after_t = asn1_time_t(X509_get0_notAfter(cert));
	lint_cert(cert, NULL, now, &id->lint);
}

static int
load_cert(const struct home *h, const char *hex, X509 **out, struct err *e)
{
	char *path = ident_file(h, hex, "cert.pem");
	unsigned char *buf = NULL;
	size_t len;
	int rc = -1;

	if (file_read_home(path, FILE_MAX_CERT, &buf, &len, e) == 0)
		rc = cert_parse(buf, len, path, out, e);
	free(buf);
	free(path);
	return rc;
}

/* The certificates of chain.pem (an empty stack when there is none). */
static int
load_chain(const struct home *h, const char *hex, STACK_OF(X509) * *out, struct err *e)
{
	char *path = ident_file(h, hex, "chain.pem");
	unsigned char *buf = NULL;
	size_t len;
	BIO *bio = NULL;
	X509 *x;
	int rc = -1;

	*out = xcheck(sk_X509_new_null());
	if (!path_exists(path)) {
		rc = 0;
		goto out;
	}
	if (file_read_home(path, FILE_MAX_CERT, &buf, &len, e) != 0)
		goto out;
	bio = xcheck(BIO_new_mem_buf(buf, (int)len));
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(*out, x))
			xalloc_die();
	ERR_clear_error(); /* the end of the file */
	if (sk_X509_num(*out) == 0) {
		err_set(e, "%s holds no certificate; it is damaged", path);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		sk_X509_pop_free(*out, X509_free);
		*out = NULL;
	}
	BIO_free(bio);
	free(buf);
	free(path);
	return rc;
}

/* The form of `cert` with the certificates stored with it, and the CA's
 * fields for the CA form. */
static void
fill_form(struct ident *id, X509 *cert, STACK_OF(X509) * chain)
{
	unsigned char d[FPR_MAX];
	size_t n;

	id->form = cred_self_signed(cert) ? FORM_SELF_SIGNED : FORM_ISSUED;
	for (int i = 0; id->form == FORM_ISSUED && i < sk_X509_num(chain); i++) {
		X509 *ca = sk_X509_value(chain, i);

		if (!cred_is_ca(ca) || !cred_self_signed(ca) || !cred_issued_by(cert, ca))
			continue;
		id->form = FORM_CA;
		n = fpr_digest(ca, FPR_SHA256, d);
		fpr_hex(d, n, id->ca_hex);
		fpr_colon(d, n, id->ca_fpr);
		fpr_grouped(d, n, id->ca_grouped, sizeof id->ca_grouped);
		n = fpr_digest(ca, FPR_SHA1, d);
		fpr_colon(d, n, id->ca_fpr_sha1);
		asn1_time_iso(X509_get0_notAfter(ca), id->ca_not_after, sizeof id->ca_not_after);
		id->ca_not_after_t = asn1_time_t(X509_get0_notAfter(ca));
	}
}

/* For show: the certificates that came with the identity and the form
 * they give it (none when chain.pem is missing or unreadable: the chain
 * is informative only), and whether the CA's key is here. */
static void
chain_info(const struct home *h, const char *hex, X509 *cert, struct ident *id)
{
	STACK_OF(X509) *chain = NULL;
	char *kpath;

	if (load_chain(h, hex, &chain, NULL) != 0)
		chain = NULL;
	id->n_chain = chain ? (size_t)sk_X509_num(chain) : 0;
	fill_form(id, cert, chain);
	for (int i = 0; i < sk_X509_num(chain); i++)
		if (cred_issued_by(cert, sk_X509_value(chain, i))) {
			lint_chain(cert, sk_X509_value(chain, i), 0, &id->lint);
			break;
		}
	sk_X509_pop_free(chain, X509_free);
	kpath = ident_file(h, hex, "ca-key.pem");
	id->ca_key = id->form == FORM_CA && path_exists(kpath);
	free(kpath);
}

/* The newest backup record of `id` into its backup fields. */
static void
backup_info(const struct state *st, struct ident *id)
{
	const struct st_backup *b = state_backup_newest(st, id->hex);

	if (b == NULL)
		return;
	id->backed_up = 1;
	copy(id->backup_at, sizeof id->backup_at, b->at);
	copy(id->backup_compat, sizeof id->backup_compat, b->compat);
	id->backup_path = xstrdup(b->path);
}

static int
load_one(const struct home *h, const struct st_ident *r, time_t now, struct ident *id,
	 struct err *e)
{
	X509 *cert = NULL;

	memset(id, 0, sizeof *id);
	if (load_cert(h, r->hex, &cert, e) != 0)
		return -1;
	fill(id, cert, now);
	if (strcmp(id->hex, r->hex) != 0) {
		X509_free(cert);
		ident_clear(id);
		return err_set(e,
			       "the certificate in %s/" IDENT_DIR
			       "/%s was changed: its fingerprint no longer matches",
			       h->dir, r->hex);
	}
	chain_info(h, r->hex, cert, id);
	X509_free(cert);
	id->current = r->current;
	copy(id->created, sizeof id->created, r->created);
	copy(id->archived, sizeof id->archived, r->archived);
	copy(id->reason, sizeof id->reason, r->reason);
	return 0;
}

static int
by_current_then_newest(const void *a, const void *b)
{
	const struct ident *x = a, *y = b;

	if (x->current != y->current)
		return y->current - x->current;
	return strcmp(y->archived, x->archived);
}

int
ident_list(const struct home *h, const struct state *st, time_t now, struct ident **out, size_t *n,
	   struct err *e)
{
	size_t count = state_n_idents(st);
	struct ident *list = xcalloc(count ? count : 1, sizeof *list);

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < count; i++) {
		if (load_one(h, state_ident(st, i), now, &list[i], e) != 0) {
			ident_list_free(list, i);
			return -1;
		}
		backup_info(st, &list[i]);
	}
	if (count > 1)
		qsort(list, count, sizeof *list, by_current_then_newest);
	*out = list;
	*n = count;
	return 0;
}

void
ident_list_free(struct ident *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ident_clear(&list[i]);
	free(list);
}

int
ident_current(const struct home *h, const struct state *st, time_t now, struct ident *out,
	      struct err *e)
{
	const struct st_ident *r = state_ident_current(st);

	memset(out, 0, sizeof *out);
	if (r == NULL)
		return 0;
	if (load_one(h, r, now, out, e) != 0)
		return -1;
	backup_info(st, out);
	return 1;
}

static int
to_req(const struct ident_new *in, struct cred_req *req, struct err *e)
{
	req->name = in->name;
	req->emails = in->emails;
	req->n_emails = in->n_emails;
	req->days = in->days ? in->days : CRED_DEFAULT_DAYS;
	req->key = KEY_DEFAULT;
	if (in->key != NULL && key_type_parse(in->key, &req->key) != 0)
		return err_set(e,
			       "unknown key type \"%s\"; choose rsa2048, rsa3072 (the default), rsa4096, p256 or p384",
			       in->key);
	return 0;
}

int
ident_check_new(const struct home *h, const struct state *st, const struct ident_new *in,
		struct err *e)
{
	struct cred_req req;
	struct ident cur;
	int rc;

	if (to_req(in, &req, e) != 0 || cred_req_check(&req, e) != 0)
		return -1;
	if (in->ca_days < 0 || in->ca_days > CRED_MAX_DAYS)
		return err_set(e, "the CA's validity must be between 1 and %d days", CRED_MAX_DAYS);
	if (in->replace)
		return 0;
	if ((rc = ident_current(h, st, 0, &cur, e)) < 0) /* its name only */
		return -1;
	if (rc == 1) {
		err_set(e,
			"this home already has a credential for %s (created %s); add --replace to archive it and make a new one (nothing is deleted), or use --home DIR for a separate identity",
			cur.n_emails ? cur.emails[0] : cur.name, cur.created);
		ident_clear(&cur);
		return -1;
	}
	return 0;
}

_Static_assert(IDENT_DEFAULT_DAYS == CRED_DEFAULT_DAYS,
	       "ident.h and cred.h disagree on the default validity");
_Static_assert(IDENT_MAX_DAYS == CRED_MAX_DAYS,
	       "ident.h and cred.h disagree on the longest validity");

const char *
ident_key_type(size_t i, const char **help, int *dflt)
{
	if (i > KEY_P384)
		return NULL;
	if (help != NULL)
		*help = key_type_help((enum key_type)i);
	if (dflt != NULL)
		*dflt = i == KEY_DEFAULT;
	return key_type_name((enum key_type)i);
}

int
ident_keygen(const char *key, struct newkey **out, struct err *e)
{
	struct newkey *k;
	enum key_type t = KEY_DEFAULT;

	*out = NULL;
	if (key != NULL && key_type_parse(key, &t) != 0)
		return err_set(e, "unknown key type \"%s\"", key);
	k = xcalloc(1, sizeof *k);
	k->type = t;
	if (cred_keygen(t, &k->pkey, e) != 0) {
		free(k);
		return -1;
	}
	*out = k;
	return 0;
}

EVP_PKEY *
newkey_pkey(struct newkey *k)
{
	return k->pkey;
}

int
newkey_add_ca(struct newkey *k, struct err *e)
{
	if (k->ca != NULL)
		return 0;
	return cred_keygen(k->type, &k->ca, e);
}

void
newkey_free(struct newkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->ca);
	EVP_PKEY_free(k->pkey);
	free(k);
}

/* Undo a new identity's directory after a failure, so a refused or failed
 * create leaves the home as it was.  Only used before the identity was
 * recorded in the checklist: its key was never anyone's credential. */
static void
unstore_dir(const struct home *h, const char *hex, int files)
{
	char rel[128], *p;

	if (files) {
		p = ident_file(h, hex, "cert.pem");
		unlink(p);
		free(p);
		p = ident_file(h, hex, "key.pem");
		unlink(p);
		free(p);
		p = ident_file(h, hex, "chain.pem");
		unlink(p);
		free(p);
		p = ident_file(h, hex, "ca-key.pem");
		unlink(p);
		free(p);
	}
	snprintf(rel, sizeof rel, IDENT_DIR "/%s", hex);
	p = home_path(h, rel);
	rmdir(p);
	free(p);
	p = home_path(h, IDENT_DIR);
	rmdir(p); /* only when empty */
	free(p);
}

/* Write cert.pem and key.pem of a new identity; refuses to overwrite. */
static int
store_files(const struct home *h, const char *hex, X509 *cert, EVP_PKEY *key, const char *pass,
	    struct err *e)
{
	char *dir, *kpath = NULL, *cpath = NULL, *kpem = NULL, *cpem = NULL;
	char rel[128];
	size_t klen = 0, clen;
	int rc = -1;

	snprintf(rel, sizeof rel, IDENT_DIR "/%s", hex);
	dir = home_path(h, rel);
	if (dir_ensure(dir, e) != 0)
		goto out;
	kpath = ident_file(h, hex, "key.pem");
	cpath = ident_file(h, hex, "cert.pem");
	if (cred_key_encrypt(key, pass, &kpem, &klen, e) != 0)
		goto out;
	cpem = cert_to_pem(cert, &clen);
	if (file_write_atomic(kpath, kpem, klen, FILE_NOCLOBBER, e) != 0)
		goto out;
	if (file_write_atomic(cpath, cpem, clen, FILE_NOCLOBBER, e) != 0) {
		unlink(kpath); /* a key without certificate was never an identity */
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		unstore_dir(h, hex, 0);
	OPENSSL_clear_free(kpem, klen);
	OPENSSL_free(cpem);
	free(kpath);
	free(cpath);
	free(dir);
	return rc;
}

/* Record `hex` as the current identity made at `now`, archiving the one
 * it replaces, which says `reason`. */
static void
record_current(struct state *st, const char *hex, time_t now, const char *reason,
	       const char *source)
{
	const struct st_ident *cur = state_ident_current(st);
	struct st_ident *r;

	if (cur != NULL) {
		r = state_ident_edit(st, cur);
		r->current = 0;
		iso_time(now, r->archived);
		r->reason = state_str(st, reason);
	}
	r = state_ident_put(st, hex);
	r->current = 1;
	iso_time(now, r->created);
	r->archived[0] = '\0';
	r->reason = NULL;
	r->source = state_str(st, source);
}

/* chain.pem of a new identity; refuses to overwrite. */
static int
store_chain(const struct home *h, const char *hex, STACK_OF(X509) * chain, struct err *e)
{
	BIO *bio;
	BUF_MEM *mem;
	char *path;
	int rc;

	if (chain == NULL || sk_X509_num(chain) == 0)
		return 0;
	bio = xcheck(BIO_new(BIO_s_mem()));
	for (int i = 0; i < sk_X509_num(chain); i++)
		if (!PEM_write_bio_X509(bio, sk_X509_value(chain, i)))
			xalloc_die();
	BIO_get_mem_ptr(bio, &mem);
	path = ident_file(h, hex, "chain.pem");
	rc = file_write_atomic(path, mem->data, mem->length, FILE_NOCLOBBER, e);
	free(path);
	BIO_free(bio);
	return rc;
}

/* The personal CA of a new identity: its certificate as chain.pem, its
 * key encrypted under `pass` as ca-key.pem; refuses to overwrite. */
static int
store_ca(const struct home *h, const char *hex, X509 *ca, EVP_PKEY *ca_key, const char *pass,
	 struct err *e)
{
	STACK_OF(X509) *chain = xcheck(sk_X509_new_null());
	char *kpath = ident_file(h, hex, "ca-key.pem"), *kpem = NULL;
	size_t klen = 0;
	int rc = -1;

	if (!sk_X509_push(chain, ca))
		xalloc_die();
	if (store_chain(h, hex, chain, e) != 0 ||
	    cred_key_encrypt(ca_key, pass, &kpem, &klen, e) != 0 ||
	    file_write_atomic(kpath, kpem, klen, FILE_NOCLOBBER, e) != 0)
		goto out;
	rc = 0;
out:
	OPENSSL_clear_free(kpem, klen);
	sk_X509_free(chain); /* borrowed */
	free(kpath);
	return rc;
}

/* The certificates of a new credential: one self-signed, or the CA (*ca)
 * and the mail certificate it issues. */
static int
make_certs(const struct ident_new *in, const struct cred_req *req, struct newkey *key, time_t now,
	   X509 **cert, X509 **ca, struct err *e)
{
	struct cred_req careq = *req;

	*cert = *ca = NULL;
	if (in->self_signed)
		return cred_make_cert(req, key->pkey, now, cert, e);
	careq.days = in->ca_days ? in->ca_days : CRED_CA_DEFAULT_DAYS;
	if (newkey_add_ca(key, e) != 0 || cred_make_ca(&careq, key->ca, now, ca, e) != 0)
		return -1;
	if (cred_issue(req, key->pkey, *ca, key->ca, now, cert, e) != 0) {
		X509_free(*ca);
		*ca = NULL;
		return -1;
	}
	return 0;
}

int
ident_create(const struct home *h, struct state *st, const struct ident_new *in, struct newkey *key,
	     const char *pass, time_t now, struct ident *out, struct err *e)
{
	struct newkey *own = NULL;
	struct cred_req req;
	X509 *cert = NULL, *ca = NULL;
	struct ident id = {0};
	int rc = -1;

	if (ident_check_new(h, st, in, e) != 0 || to_req(in, &req, e) != 0)
		return -1;
	if (pass_check_new(pass, NULL, e) != 0)
		return err_code(e, ERR_WEAK_PASS);
	if (key == NULL) {
		if (ident_keygen(key_type_name(req.key), &own, e) != 0)
			return -1;
		key = own;
	}
	if (make_certs(in, &req, key, now, &cert, &ca, e) != 0)
		goto out;
	fill(&id, cert, now);
	if (store_files(h, id.hex, cert, key->pkey, pass, e) != 0)
		goto out;
	if (ca != NULL && store_ca(h, id.hex, ca, key->ca, pass, e) != 0) {
		unstore_dir(h, id.hex, 1);
		goto out;
	}
	if (ca != NULL) {
		STACK_OF(X509) *chain = xcheck(sk_X509_new_null());

		if (!sk_X509_push(chain, ca))
			xalloc_die();
		fill_form(&id, cert, chain);
		id.ca_key = 1;
		id.n_chain = 1;
		sk_X509_free(chain);
	} else {
		id.form = FORM_SELF_SIGNED;
	}
	{
		char reason[40];

		snprintf(reason, sizeof reason, "replaced by %.16s", id.hex);
		record_current(st, id.hex, now, reason, "create");
	}
	id.current = 1;
	iso_time(now, id.created);
	if (out != NULL) {
		*out = id;
		memset(&id, 0, sizeof id);
	}
	rc = 0;
out:
	ident_clear(&id);
	X509_free(cert);
	X509_free(ca);
	newkey_free(own);
	return rc;
}

/* The CA key of identity `hex`, unlocked with `pass`. */
static int
ca_key(const struct home *h, const char *hex, const char *pass, EVP_PKEY **out, struct err *e)
{
	char *kpath = ident_file(h, hex, "ca-key.pem");
	unsigned char *kbuf = NULL;
	size_t klen = 0;
	int rc = -1;

	*out = NULL;
	if (!path_exists(kpath)) {
		err_set(e,
			"the key of your CA is not in this home (%s is missing), so it cannot issue a new certificate; create a new credential instead",
			kpath);
		goto out;
	}
	if (file_read_home(kpath, FILE_MAX_CERT, &kbuf, &klen, e) != 0)
		goto out;
	if (cred_key_decrypt((char *)kbuf, klen, pass, "your CA's key", out, e) != 0) {
		if (e != NULL && strstr(e->msg, "passphrase") != NULL)
			err_code(e, ERR_BAD_PASS);
		goto out;
	}
	rc = 0;
out:
	file_free_secret(kbuf, klen);
	free(kpath);
	return rc;
}

int
ident_renew(const struct home *h, struct state *st, const char *pass, int keep_key, int days,
	    time_t now, struct ident *out, struct err *e)
{
	const struct st_ident *r = state_ident_current(st);
	STACK_OF(X509) *chain = NULL;
	X509 *old = NULL, *ca, *cert = NULL;
	EVP_PKEY *cakey = NULL, *key = NULL;
	struct ident cur = {0}, id = {0};
	struct cred_req req;
	enum key_type t;
	char reason[64];
	int rc = -1;

	if (r == NULL)
		return err_set(e, "there is no credential yet; create one first");
	if (days < 0 || days > CRED_MAX_DAYS)
		return err_set(e, "the validity must be between 1 and %d days", CRED_MAX_DAYS);
	if (ident_cert(h, r->hex, &old, &chain, e) != 0)
		return -1;
	fill(&cur, old, now);
	fill_form(&cur, old, chain);
	if (cur.form != FORM_CA) {
		err_set(e,
			"your credential is %s, not issued by a CA of your own, so there is nothing to renew it from; make a new one with padseal create --replace",
			cur.form == FORM_SELF_SIGNED ? "self-signed" :
						       "issued by someone else's authority");
		goto out;
	}
	ca = sk_X509_value(chain, 0);
	for (int i = 0; i < sk_X509_num(chain); i++)
		if (cred_issued_by(old, sk_X509_value(chain, i)))
			ca = sk_X509_value(chain, i);
	if (ca_key(h, r->hex, pass, &cakey, e) != 0 || ident_key(h, r->hex, pass, &key, e) != 0)
		goto out;
	if (!keep_key) {
		EVP_PKEY *fresh = NULL;

		if (cred_key_type(key, &t) != 0) {
			err_set(e, "your key's type cannot be made again; use --keep-key");
			goto out;
		}
		if (cred_keygen(t, &fresh, e) != 0)
			goto out;
		EVP_PKEY_free(key);
		key = fresh;
	}
	req = (struct cred_req){cur.name, (const char *const *)cur.emails, cur.n_emails,
				KEY_DEFAULT, days ? days : CRED_DEFAULT_DAYS};
	if (cred_issue(&req, key, ca, cakey, now, &cert, e) != 0)
		goto out;
	fill(&id, cert, now);
	if (store_files(h, id.hex, cert, key, pass, e) != 0)
		goto out;
	if (store_ca(h, id.hex, ca, cakey, pass, e) != 0) {
		unstore_dir(h, id.hex, 1);
		goto out;
	}
	{
		STACK_OF(X509) *one = xcheck(sk_X509_new_null());

		if (!sk_X509_push(one, ca))
			xalloc_die();
		fill_form(&id, cert, one);
		sk_X509_free(one);
	}
	id.ca_key = 1;
	id.n_chain = 1;
	snprintf(reason, sizeof reason, "renewed by %.16s", id.hex);
	record_current(st, id.hex, now, reason, "renew");
	id.current = 1;
	iso_time(now, id.created);
	if (out != NULL) {
		*out = id;
		memset(&id, 0, sizeof id);
	}
	rc = 0;
out:
	ident_clear(&cur);
	ident_clear(&id);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	X509_free(cert);
	X509_free(old);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

void
ident_discard(const struct home *h, const char *hex)
{
	unstore_dir(h, hex, 1);
}

int
ident_cert(const struct home *h, const char *hex, X509 **cert, STACK_OF(X509) * *chain,
	   struct err *e)
{
	char got[FPR_HEX_LEN];

	*cert = NULL;
	if (chain != NULL)
		*chain = NULL;
	if (load_cert(h, hex, cert, e) != 0)
		return -1;
	fpr_cert_hex(*cert, got);
	if (strcmp(got, hex) != 0) {
		X509_free(*cert);
		*cert = NULL;
		return err_set(e,
			       "the certificate in %s/" IDENT_DIR
			       "/%s was changed: its fingerprint no longer matches",
			       h->dir, hex);
	}
	if (chain != NULL && load_chain(h, hex, chain, e) != 0) {
		X509_free(*cert);
		*cert = NULL;
		return -1;
	}
	return 0;
}

int
ident_key(const struct home *h, const char *hex, const char *pass, EVP_PKEY **key, struct err *e)
{
	char *kpath = ident_file(h, hex, "key.pem");
	unsigned char *kbuf = NULL;
	size_t klen = 0;
	X509 *cert = NULL;
	int rc = -1;

	*key = NULL;
	if (ident_cert(h, hex, &cert, NULL, e) != 0)
		goto out;
	if (file_read_home(kpath, FILE_MAX_CERT, &kbuf, &klen, e) != 0)
		goto out;
	if (cred_key_decrypt((char *)kbuf, klen, pass, "your key", key, e) != 0) {
		if (e != NULL && strstr(e->msg, "passphrase") != NULL)
			err_code(e, ERR_BAD_PASS);
		goto out;
	}
	if (!cred_key_matches(cert, *key)) {
		err_set(e,
			"the key in %s does not belong to its certificate; this identity is damaged",
			kpath);
		EVP_PKEY_free(*key);
		*key = NULL;
		goto out;
	}
	rc = 0;
out:
	X509_free(cert);
	file_free_secret(kbuf, klen); /* encrypted, but a key all the same */
	free(kpath);
	return rc;
}

int
ident_cert_export(const struct home *h, const struct state *st, int der, unsigned char **buf,
		  size_t *len, struct err *e)
{
	const struct st_ident *r = state_ident_current(st);
	STACK_OF(X509) *chain = NULL;
	X509 *cert = NULL;
	BIO *bio;
	BUF_MEM *mem;
	unsigned char *p;

	*buf = NULL;
	if (r == NULL)
		return err_set(e, "there is no credential yet; create one first");
	if (ident_cert(h, r->hex, &cert, der ? NULL : &chain, e) != 0)
		return -1;
	if (der) {
		p = cert_to_der(cert, len);
		*buf = xmalloc(*len + 1);
		memcpy(*buf, p, *len);
		(*buf)[*len] = '\0';
		OPENSSL_free(p);
		X509_free(cert);
		return 0;
	}
	/* PEM: the certificate, then the CA that issued it (a correspondent
	 * needs both; mail programs import the CA from the same file). */
	bio = xcheck(BIO_new(BIO_s_mem()));
	if (!PEM_write_bio_X509(bio, cert))
		xalloc_die();
	for (int i = 0; i < sk_X509_num(chain); i++)
		if (!PEM_write_bio_X509(bio, sk_X509_value(chain, i)))
			xalloc_die();
	BIO_get_mem_ptr(bio, &mem);
	*len = mem->length;
	*buf = xmalloc(*len + 1);
	memcpy(*buf, mem->data, *len);
	(*buf)[*len] = '\0';
	BIO_free(bio);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	return 0;
}

/* 1 when `cert` has an address of `id` (ignoring case). */
static int
shares_address(X509 *cert, const struct ident *id)
{
	char **emails;
	size_t n = cert_emails(cert, &emails);
	int found = 0;

	for (size_t i = 0; i < n && !found; i++)
		for (size_t j = 0; j < id->n_emails && !found; j++)
			found = addr_eq(emails[i], id->emails[j]);
	cert_emails_free(emails, n);
	return found;
}

int
ident_adopt_plan(const struct home *h, const struct state *st, X509 *cert, time_t now,
		 struct ident *cur, struct err *e)
{
	char hex[FPR_HEX_LEN], **emails;
	const struct st_ident *r;
	size_t n;
	int found;

	memset(cur, 0, sizeof *cur);
	fpr_cert_hex(cert, hex);
	if ((r = state_ident_by_hex(st, hex)) != NULL) {
		if (load_one(h, r, now, cur, e) != 0)
			return -1;
		backup_info(st, cur);
		return cur->current ? ADOPT_SAME : ADOPT_ARCHIVED;
	}
	if ((found = ident_current(h, st, now, cur, e)) <= 0)
		return found < 0 ? -1 : ADOPT_NEW;
	if (shares_address(cert, cur))
		return ADOPT_REPLACES;
	n = cert_emails(cert, &emails);
	err_set(e,
		"this home holds the credential of %s, and this one is for %s, with no address in common; a home holds one person's identity: restore it into another with --home DIR",
		cur->n_emails ? cur->emails[0] : cur->name, n ? emails[0] : "no address");
	cert_emails_free(emails, n);
	ident_clear(cur);
	return -1;
}

int
ident_adopt(const struct home *h, struct state *st, X509 *cert, EVP_PKEY *key,
	    STACK_OF(X509) * chain, const char *pass, const char *origin, time_t now,
	    struct ident *out, struct err *e)
{
	struct ident id = {0}, cur = {0};
	char why[300];
	int plan, rc = -1;

	if ((plan = ident_adopt_plan(h, st, cert, now, &cur, e)) < 0)
		return -1;
	if (plan == ADOPT_SAME || plan == ADOPT_ARCHIVED) {
		err_set(e, "this credential is already in this home; nothing to do");
		goto out;
	}
	if (pass_check_new(pass, NULL, e) != 0) {
		err_code(e, ERR_WEAK_PASS);
		goto out;
	}
	if (!cred_key_matches(cert, key)) {
		err_set(e, "the private key does not belong to the certificate");
		goto out;
	}
	fill(&id, cert, now);
	/* A folder of this certificate that the checklist does not list was
	 * left by a restore killed before it recorded the credential.  The
	 * folder is named by the certificate, and its key can only be this
	 * certificate's, the one being restored: it is written anew, nothing
	 * is lost. */
	if (state_ident_by_hex(st, id.hex) == NULL)
		unstore_dir(h, id.hex, 1);
	if (store_files(h, id.hex, cert, key, pass, e) != 0)
		goto out;
	if (store_chain(h, id.hex, chain, e) != 0) {
		unstore_dir(h, id.hex, 1);
		goto out;
	}
	snprintf(why, sizeof why, "replaced by restore of %.200s", origin);
	record_current(st, id.hex, now, why, "restore");
	id.current = 1;
	id.n_chain = chain ? (size_t)sk_X509_num(chain) : 0;
	fill_form(&id, cert, chain);
	iso_time(now, id.created);
	backup_info(st, &id);
	if (out != NULL) {
		*out = id;
		memset(&id, 0, sizeof id);
	}
	rc = 0;
out:
	ident_clear(&cur);
	ident_clear(&id);
	return rc;
}
