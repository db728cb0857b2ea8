/* p12 — PKCS#12 backups: write one (legacy or modern) and prove it by
 * reading it back; read any client's file and restore the credential in it.
 *
 * The first half works on memory and OpenSSL objects; the second half is
 * what the verbs and the wizard call.  OpenSSL's types are declared, not
 * included, so a front end can include this header without OpenSSL. */
#ifndef PADSEAL_P12_H
#define PADSEAL_P12_H

#include <stddef.h>

#include "err.h"
#include "fpr.h"
#include "home.h"
#include "ident.h"
#include "isotime.h"
#include "state.h"

struct x509_st;
struct evp_pkey_st;
struct stack_st_X509;

enum p12_compat {
	P12_LEGACY, /* 3DES bags, SHA-1 MAC: what every platform imports */
	P12_MODERN, /* AES-256-CBC, PBKDF2-HMAC-SHA-256, SHA-256 MAC */
};
#define P12_COMPAT_DEFAULT P12_LEGACY
/* gpgsm 2.2 refuses PKCS#12 passphrases longer than this (bytes). */
#define P12_GPGSM_MAX_PASS 31

/* "legacy"/"modern" <-> enum; parse returns -1 for anything else. */
int p12_compat_parse(const char *s, enum p12_compat *out);
const char *p12_compat_name(enum p12_compat c);
/* Who imports this form, one phrase for a person.  `ec` (an EC key)
 * drops gpgsm 2.2, which crashes importing EC keys. */
const char *p12_compat_readers(enum p12_compat c, int ec);
/* A warning about `pass` for this form (NULL when none): a legacy file's
 * passphrase longer than P12_GPGSM_MAX_PASS bytes. */
const char *p12_pass_warning(enum p12_compat c, const char *pass);

/* --- the format ---------------------------------------------------------- */

/* Build a PKCS#12 of `cert`, its `key` and `chain` (may be NULL) in the
 * form `compat`, protected by `pass`; friendlyName `name` and a matching
 * localKeyID on key and certificate.  *der is freed with
 * OPENSSL_clear_free(*der, *len). */
int p12_build(struct x509_st *cert, struct evp_pkey_st *key, struct stack_st_X509 *chain,
	      const char *name, const char *pass, enum p12_compat compat, unsigned char **der,
	      size_t *len, struct err *e);

/* Prove a written backup: `der` opens with `pass`, its integrity check
 * (MAC) verifies, it is in the form `compat`, and it holds exactly `cert`
 * and a key that matches it.  Errors start "the backup does not read
 * back". */
int p12_verify(const unsigned char *der, size_t len, const char *pass, struct x509_st *cert,
	       enum p12_compat compat, struct err *e);

/* What a PKCS#12 file held, the key paired with its certificate by public
 * key.  Owned: free with p12_cred_clear(). */
struct p12_cred {
	struct x509_st *cert; /* the certificate of `key` */
	struct evp_pkey_st *key;
	struct stack_st_X509 *chain; /* every other certificate; never NULL */
	size_t stray_keys;           /* further keys that match no certificate */
	int mac;                     /* 1: its integrity check verified; 0: it has none */
	int empty_pass;              /* it opened with the empty passphrase */
	int legacy_provider;         /* it needed OpenSSL's legacy provider (RC2, ...) */
	char form[8];                /* "legacy", "modern" (padseal's two) or "other" */
	char algs[200];              /* its algorithms, for a person */
};

/* Open any .p12/.pfx in `buf` with `pass` ("" is the empty passphrase,
 * tried in both encodings clients use).  `what` names the file in
 * messages.  Refuses, each with one sentence: not PKCS#12 (PEM, damaged,
 * cut short), a wrong passphrase ("the passphrase does not open this
 * file"), no key, no certificate, a key that matches none of the
 * certificates, several credentials. */
int p12_open(const unsigned char *buf, size_t len, const char *pass, const char *what,
	     struct p12_cred *out, struct err *e);
void p12_cred_clear(struct p12_cred *c);

/* --- backup: the current identity into a file -------------------------- */

/* Before any passphrase is asked: there is a current identity, `path`
 * does not exist (unless `force`) and its folder exists and is writable
 * (or, with `make_dir`, may be created). */
int p12_backup_check(const struct home *h, const struct state *st, const char *path, int force,
		     int make_dir, struct err *e);

/* The current identity with its unlocked key `key` (the backup takes a
 * reference of its own). */
struct p12_backup;
int p12_backup_open(const struct home *h, const struct state *st, struct evp_pkey_st *key,
		    struct p12_backup **out, struct err *e);
void p12_backup_free(struct p12_backup *b);

struct p12_backup_req {
	const char *path; /* the file to write */
	const char *pass; /* its new passphrase (checked by policy) */
	enum p12_compat compat;
	int force; /* replace an existing file */
	/* The read-back check; NULL means p12_verify.  Tests put a failing
	 * one here to prove that a bad file is removed. */
	int (*verify)(const unsigned char *der, size_t len, const char *pass, struct x509_st *cert,
		      enum p12_compat compat, struct err *e);
};

struct p12_backup_done {
	char path[4096];       /* absolute */
	char at[ISO_TIME_LEN]; /* ISO 8601 UTC */
	char hex[FPR_HEX_LEN]; /* the identity's SHA-256 */
	size_t n_chain;
	int ec;              /* an EC key (gpgsm 2.2 cannot import it) */
	const char *warning; /* about its passphrase (p12_pass_warning), or
				NULL */
};

/* Write the backup atomically (0600, never over an existing file unless
 * req->force), read it back from disk and check it; a file that fails the
 * check is removed.  Then record it in `st` (the caller saves, and
 * removes the file when that fails).  The home must be open for writing,
 * and `b` must still be its current identity. */
int p12_backup_write(const struct p12_backup *b, const struct home *h, struct state *st,
		     const struct p12_backup_req *req, time_t now, struct p12_backup_done *out,
		     struct err *e);

/* --- restore: a credential from a file into the home ------------------- */

struct p12_restore;

/* Open the file (p12_open) at `path`, whose bytes are `buf`. */
int p12_restore_open(const unsigned char *buf, size_t len, const char *path, const char *pass,
		     struct p12_restore **out, struct err *e);
void p12_restore_free(struct p12_restore *r);

/* Notes for the person about the file (weak RC2 encryption, no passphrase,
 * no integrity check, extra keys left out): up to `max` sentences, each
 * valid as long as `r`.  Returns the count. */
size_t p12_restore_notes(const struct p12_restore *r, const char **notes, size_t max);

/* What storing it would do (ident_adopt_plan): ADOPT_NEW, ADOPT_REPLACES
 * (`cur` is the identity that will be archived), ADOPT_SAME or
 * ADOPT_ARCHIVED (already in this home: nothing to do), or -1 refused. */
int p12_restore_plan(const struct home *h, const struct state *st, const struct p12_restore *r,
		     time_t now, struct ident *cur, struct err *e);

/* Store it as the current identity, its key encrypted under `pass`, and
 * record the file it came from as a checked backup (unless that file had
 * an empty passphrase).  Updates `st`: the caller saves it (and calls
 * ident_discard() on the new identity when that fails). */
int p12_restore_store(const struct home *h, struct state *st, const struct p12_restore *r,
		      const char *pass, time_t now, struct ident *out, struct err *e);

/* The SHA-256 hex of the credential in the file (into and returning hex). */
const char *p12_restore_hex(const struct p12_restore *r, char hex[65]);

#endif
