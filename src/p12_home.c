/* p12_home — backup and restore: PKCS#12 files meet the home. */
#include "config.h"

#include <libgen.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "cred.h"
#include "fileio.h"
#include "fpr.h"
#include "p12.h"
#include "pass.h"
#include "xalloc.h"

/* --- backup ------------------------------------------------------------- */

struct p12_backup {
	X509 *cert;
	EVP_PKEY *key;
	STACK_OF(X509) * chain;
	char hex[FPR_HEX_LEN];
	char *name; /* friendlyName: the person's name */
};

int
p12_backup_check(const struct home *h, const struct state *st, const char *path, int force,
		 int make_dir, struct err *e)
{
	struct stat sb;
	char *copy;
	const char *dir;
	int rc = -1;

	(void)h;
	if (state_ident_current(st) == NULL)
		return err_set(e, "there is no credential to back up yet; create one first");
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return err_set(e,
			       "%s is a folder; give the backup a file name, such as %s/padseal-backup.p12",
			       path, path);
	if (!force && path_exists(path))
		return err_set(e,
			       "%s already exists; padseal does not overwrite it (add --force to replace it)",
			       path);
	copy = xstrdup(path);
	dir = dirname(copy);
	if (stat(dir, &sb) != 0 && make_dir)
		rc = 0; /* made when the backup is written */
	else if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		err_set(e, "cannot write %s: the folder %s does not exist", path, dir);
	else if (access(dir, W_OK | X_OK) != 0)
		err_sys(e, "cannot write %s: the folder %s is not writable", path, dir);
	else
		rc = 0;
	free(copy);
	return rc;
}

int
p12_backup_open(const struct home *h, const struct state *st, EVP_PKEY *key,
		struct p12_backup **out, struct err *e)
{
	const struct st_ident *cur = state_ident_current(st);
	struct p12_backup *b;
	char **emails;
	size_t n;

	*out = NULL;
	if (cur == NULL)
		return err_set(e, "there is no credential to back up yet; create one first");
	b = xcalloc(1, sizeof *b);
	if (ident_cert(h, cur->hex, &b->cert, &b->chain, e) != 0) {
		free(b);
		return -1;
	}
	if (!cred_key_matches(b->cert, key)) {
		p12_backup_free(b);
		return err_set(e,
			       "the key does not belong to your current certificate; this identity is damaged");
	}
	EVP_PKEY_up_ref(key);
	b->key = key;
	fpr_cert_hex(b->cert, b->hex);
	b->name = cert_common_name(b->cert);
	if (*b->name == '\0' && (n = cert_emails(b->cert, &emails)) > 0) {
		free(b->name);
		b->name = xstrdup(emails[0]);
		cert_emails_free(emails, n);
	}
	*out = b;
	return 0;
}

void
p12_backup_free(struct p12_backup *b)
{
	if (b == NULL)
		return;
	X509_free(b->cert);
	EVP_PKEY_free(b->key);
	sk_X509_pop_free(b->chain, X509_free);
	free(b->name);
	free(b);
}

/* Remember the backup: one record per identity and file, the newest time
 * and form; never the passphrase. */
static void
record_backup(struct state *st, const char *hex, const char *path, const char *at,
	      const char *compat, const char *source)
{
	struct st_backup *r = state_backup_put(st, hex, path);

	snprintf(r->at, sizeof r->at, "%s", at);
	snprintf(r->compat, sizeof r->compat, "%s", compat);
	r->source = state_str(st, source);
}

/* Write, then prove from disk what was written; remove it if it fails. */
static int
write_checked(const struct p12_backup *b, const struct p12_backup_req *req,
	      const unsigned char *der, size_t len, struct err *e)
{
	int (*check)(const unsigned char *, size_t, const char *, X509 *, enum p12_compat,
		     struct err *) = req->verify ? req->verify : p12_verify;
	struct err sub = ERR_INIT;
	unsigned char *back = NULL;
	size_t blen = 0;
	int rc = 0;

	if (file_write_atomic(req->path, der, len, FILE_SWEEP | (req->force ? 0 : FILE_NOCLOBBER),
			      &sub) != 0) {
		if (!req->force && path_exists(req->path))
			return err_set(e,
				       "%s already exists; padseal does not overwrite it (add --force to replace it)",
				       req->path);
		return err_copy(e, &sub);
	}
	if (file_read(req->path, FILE_MAX_CERT, &back, &blen, &sub) != 0 ||
	    check(back, blen, req->pass, b->cert, req->compat, &sub) != 0) {
		unlink(req->path);
		err_set(e,
			"the backup written to %s failed its check and was removed, so nothing is backed up: %s",
			req->path, sub.msg);
		if (e != NULL && e->detail[0] == '\0')
			snprintf(e->detail, sizeof e->detail, "%s", sub.detail);
		rc = -1;
	}
	if (back != NULL)
		OPENSSL_clear_free(back, blen + 1);
	return rc;
}

int
p12_backup_write(const struct p12_backup *b, const struct home *h, struct state *st,
		 const struct p12_backup_req *req, time_t now, struct p12_backup_done *out,
		 struct err *e)
{
	const struct st_ident *cur = state_ident_current(st);
	unsigned char *der = NULL;
	size_t len = 0;
	int rc = -1;

	(void)h;
	memset(out, 0, sizeof *out);
	if (cur == NULL || strcmp(cur->hex, b->hex) != 0)
		return err_set(e,
			       "your current credential changed while padseal was working; back it up again");
	if (pass_check_new(req->pass, NULL, e) != 0)
		return err_code(e, ERR_WEAK_PASS);
	if (p12_build(b->cert, b->key, b->chain, b->name, req->pass, req->compat, &der, &len, e) !=
		    0 ||
	    write_checked(b, req, der, len, e) != 0)
		goto out;
	if (realpath(req->path, out->path) == NULL)
		snprintf(out->path, sizeof out->path, "%s", req->path);
	iso_time(now, out->at);
	snprintf(out->hex, sizeof out->hex, "%s", b->hex);
	out->n_chain = (size_t)sk_X509_num(b->chain);
	out->ec = EVP_PKEY_is_a(b->key, "EC");
	out->warning = p12_pass_warning(req->compat, req->pass);
	record_backup(st, b->hex, out->path, out->at, p12_compat_name(req->compat), "backup");
	rc = 0;
out:
	OPENSSL_clear_free(der, len);
	return rc;
}

/* --- restore ------------------------------------------------------------ */

#define MAX_NOTES 4

struct p12_restore {
	struct p12_cred cred;
	char path[4096]; /* absolute when it can be resolved */
	char base[256];  /* the file name, for the archive reason */
	char notes[MAX_NOTES][400];
	size_t n_notes;
};

static void note(struct p12_restore *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(struct p12_restore *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n_notes == MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(r->notes[r->n_notes++], sizeof r->notes[0], fmt, ap);
	va_end(ap);
}

/* A credential to restore: a mail certificate (never a CA's) with the
 * certificates that issued it, and only those. */
static int
restore_check(const struct p12_cred *c, const char *path, struct err *e)
{
	X509 *stray;
	char *cn;

	if (cred_is_ca(c->cert))
		return err_set(e,
			       "the key in %s belongs to a certificate authority's certificate (CA:TRUE), not to a mail certificate; mail programs refuse it for mail: restore the backup of the mail credential instead",
			       path);
	if ((stray = cred_chain_stray(c->cert, c->chain)) != NULL) {
		cn = cert_common_name(stray);
		err_set(e,
			"the certificates in %s do not link: \"%s\" did not issue the credential's certificate nor any of its issuers; padseal keeps a credential only with the chain that issued it",
			path, cn);
		free(cn);
		return -1;
	}
	return 0;
}

int
p12_restore_open(const unsigned char *buf, size_t len, const char *path, const char *pass,
		 struct p12_restore **out, struct err *e)
{
	struct p12_restore *r;
	char *copy;

	*out = NULL;
	r = xcalloc(1, sizeof *r);
	if (p12_open(buf, len, pass, path, &r->cred, e) != 0 ||
	    restore_check(&r->cred, path, e) != 0) {
		p12_cred_clear(&r->cred);
		free(r);
		return -1;
	}
	if (realpath(path, r->path) == NULL)
		snprintf(r->path, sizeof r->path, "%s", path);
	copy = xstrdup(path);
	snprintf(r->base, sizeof r->base, "%s", basename(copy));
	free(copy);
	if (r->cred.legacy_provider)
		note(r,
		     "%s uses old, weak encryption (such as the RC2-40 of Windows, Outlook and gpgsm exports), read with OpenSSL's legacy provider; your key is now stored with strong encryption. Make a fresh backup with padseal backup.",
		     path);
	if (r->cred.empty_pass)
		note(r,
		     "%s has an empty passphrase: anyone with a copy has your key. It does not count as a backup; make one with padseal backup.",
		     path);
	if (!r->cred.mac)
		note(r,
		     "%s has no integrity check (MAC), so damage to it would go unnoticed; make a fresh backup with padseal backup.",
		     path);
	if (r->cred.stray_keys)
		note(r,
		     "%s also holds %zu private key%s matching none of its certificates; %s not restored (the file still holds %s).",
		     path, r->cred.stray_keys, r->cred.stray_keys == 1 ? "" : "s",
		     r->cred.stray_keys == 1 ? "it was" : "they were",
		     r->cred.stray_keys == 1 ? "it" : "them");
	*out = r;
	return 0;
}

void
p12_restore_free(struct p12_restore *r)
{
	if (r == NULL)
		return;
	p12_cred_clear(&r->cred);
	free(r);
}

size_t
p12_restore_notes(const struct p12_restore *r, const char **notes, size_t max)
{
	size_t n = 0;

	for (; n < r->n_notes && n < max; n++)
		notes[n] = r->notes[n];
	return n;
}

int
p12_restore_plan(const struct home *h, const struct state *st, const struct p12_restore *r,
		 time_t now, struct ident *cur, struct err *e)
{
	return ident_adopt_plan(h, st, r->cred.cert, now, cur, e);
}

int
p12_restore_store(const struct home *h, struct state *st, const struct p12_restore *r,
		  const char *pass, time_t now, struct ident *out, struct err *e)
{
	char hex[FPR_HEX_LEN], at[ISO_TIME_LEN];

	if (ident_adopt(h, st, r->cred.cert, r->cred.key, r->cred.chain, pass, r->base, now, out,
			e) != 0)
		return -1;
	/* The file just opened and held this key: it is a checked backup,
	 * unless anyone could open it. */
	if (!r->cred.empty_pass) {
		fpr_cert_hex(r->cred.cert, hex);
		iso_time(now, at);
		record_backup(st, hex, r->path, at, r->cred.form, "restore");
		if (out != NULL) {
			out->backed_up = 1;
			snprintf(out->backup_at, sizeof out->backup_at, "%s", at);
		}
	}
	return 0;
}

const char *
p12_restore_hex(const struct p12_restore *r, char hex[FPR_HEX_LEN])
{
	fpr_cert_hex(r->cred.cert, hex);
	return hex;
}
