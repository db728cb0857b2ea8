/* ident — the user's own identities in a home: create (with --replace
 * archiving the current one), list, export.  No OpenSSL types here: both the
 * command line and the wizard call these. */
#ifndef PADSEAL_IDENT_H
#define PADSEAL_IDENT_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "home.h"
#include "lint.h"
#include "state.h"

#define IDENT_DIR "identities"

/* The form of a credential, read from its certificates. */
enum ident_form {
	FORM_SELF_SIGNED, /* one self-signed mail certificate */
	FORM_CA,          /* a mail certificate issued by the person's own CA
			     (a self-signed CA certificate in chain.pem) */
	FORM_ISSUED,      /* issued by someone else's authority */
};
/* "self-signed", "ca", "issued": the words of show/status --json. */
const char *ident_form_name(enum ident_form f);

struct ident {
	char hex[65];      /* SHA-256, upper-case hex: the directory name */
	char fpr[96];      /* SHA-256 colon form */
	char fpr_sha1[64]; /* SHA-1 colon form */
	char grouped[256]; /* SHA-256 in numbered groups, for reading aloud */
	char *name;        /* common name */
	char **emails;     /* as written in the certificate, main first */
	size_t n_emails;
	char key[KEY_DESC_LEN]; /* "RSA 3072", "EC P-256" */
	char serial[48];        /* hex */
	char not_before[ISO_TIME_LEN], not_after[ISO_TIME_LEN];
	time_t not_after_t;
	int current;                 /* 1 current, 0 archived */
	char created[ISO_TIME_LEN];  /* when padseal stored it */
	char archived[ISO_TIME_LEN]; /* when it was archived, or "" */
	char reason[160];            /* why archived, or "" */
	struct lint_report lint;
	size_t n_chain; /* certificates stored with it (chain.pem) */
	enum ident_form form;
	/* FORM_CA: the personal CA that issued it (else all empty). */
	char ca_hex[65], ca_fpr[96], ca_grouped[256];
	char ca_fpr_sha1[64]; /* its SHA-1, colon form */
	char ca_not_after[ISO_TIME_LEN];
	time_t ca_not_after_t;
	int ca_key;                   /* its key is in the home (ca-key.pem): it can issue */
	int backed_up;                /* a checked backup of it is recorded */
	char backup_at[ISO_TIME_LEN]; /* when the last one was written, or "" */
	char backup_compat[8];        /* its form: "legacy", "modern", "other", "" */
	char *backup_path;            /* where it was written, or NULL */
};

void ident_clear(struct ident *id);

/* All identities: current first, then archived, newest first; linted at
 * `now`.  Free with ident_list_free(). */
int ident_list(const struct home *h, const struct state *st, time_t now, struct ident **out,
	       size_t *n, struct err *e);
void ident_list_free(struct ident *list, size_t n);

/* The current identity: 1 found (filled), 0 none, -1 error. */
int ident_current(const struct home *h, const struct state *st, time_t now, struct ident *out,
		  struct err *e);

struct ident_new {
	const char *name;
	const char *const *emails;
	size_t n_emails;
	const char *key; /* "rsa3072" ...; NULL for the default */
	int days;        /* 0 for the default */
	int replace;     /* archive the current identity instead of refusing */
	int self_signed; /* one self-signed certificate instead of the CA form */
	int ca_days;     /* the CA's validity; 0 for the default (10 years) */
};

/* The default and the longest validity in days (cred.h's
 * CRED_DEFAULT_DAYS and CRED_MAX_DAYS), for a front end that shows them
 * before the request is made. */
#define IDENT_DEFAULT_DAYS 730
#define IDENT_MAX_DAYS     36500

/* The key types, in order, for a front end's chooser without OpenSSL: the
 * i-th (from 0) type's name as ident_new.key takes it, or NULL past the
 * last.  *help (if not NULL) gets its one-line explanation for a person,
 * *dflt (if not NULL) whether it is the default. */
const char *ident_key_type(size_t i, const char **help, int *dflt);

/* Check a request against the rules and the home before any passphrase is
 * asked for: names, addresses, key type, days, an existing identity. */
int ident_check_new(const struct home *h, const struct state *st, const struct ident_new *req,
		    struct err *e);

/* A generated key not yet stored.  Key generation is the slow part; the
 * wizard runs it off its input loop. */
struct newkey;
int ident_keygen(const char *key, struct newkey **out, struct err *e);
void newkey_free(struct newkey *k);
/* Generate the CA's key too (same type), for the CA form; ident_create
 * makes it itself when this was not called. */
int newkey_add_ca(struct newkey *k, struct err *e);
/* Its private key (borrowed), for the core. */
struct evp_pkey_st *newkey_pkey(struct newkey *k);

/* Create the identity at `now`: certificate for `key` (generated here
 * when NULL), key stored encrypted under `pass` (which must pass
 * pass_check_new), the current identity archived when req->replace.  The
 * files are written and `st` updated; the caller saves it, and calls
 * ident_discard() when saving fails.  The home must be open for writing.
 * On success *out (if not NULL) is filled. */
int ident_create(const struct home *h, struct state *st, const struct ident_new *req,
		 struct newkey *key, const char *pass, time_t now, struct ident *out,
		 struct err *e);

/* A new mail certificate from the current identity's own CA (the CA
 * form), for the same name and addresses, valid `days` (0: the default)
 * from `now`: a new key of the same type, or the same key with keep_key.
 * `pass` unlocks the key and the CA's key and protects the new ones.
 * Refused (home untouched) without a current identity, for another form,
 * without the CA's key, with a wrong passphrase (ERR_BAD_PASS) or an
 * expired CA.  The old identity is archived ("renewed"), never deleted.
 * Updates `st`; the caller saves it (ident_discard() when that fails). */
int ident_renew(const struct home *h, struct state *st, const char *pass, int keep_key, int days,
		time_t now, struct ident *out, struct err *e);

/* Remove the files of an identity that was never saved in the checklist
 * (a create or restore whose save failed).  Never for a recorded one. */
void ident_discard(const struct home *h, const char *hex);

/* The current certificate as PEM (der = 0) or DER; *buf free()d. */
int ident_cert_export(const struct home *h, const struct state *st, int der, unsigned char **buf,
		      size_t *len, struct err *e);

/* For the core, which works with OpenSSL's objects. */
struct stack_st_X509;

/* The certificate of identity `hex` (current or archived: any directory
 * under identities/), checked against `hex`, and (when `chain` is not
 * NULL) the certificates stored with it (an empty stack when none).
 * Free with X509_free() and sk_X509_pop_free(chain, X509_free). */
int ident_cert(const struct home *h, const char *hex, struct x509_st **cert,
	       struct stack_st_X509 **chain, struct err *e);

/* The private key of identity `hex`, unlocked with `pass` ("the
 * passphrase does not unlock your key", e->code ERR_BAD_PASS, when wrong)
 * and checked to belong to its certificate.  EVP_PKEY_free(). */
int ident_key(const struct home *h, const char *hex, const char *pass, struct evp_pkey_st **key,
	      struct err *e);

/* What adopting a credential from elsewhere (restore) would do. */
enum ident_adopt_plan {
	ADOPT_NEW,      /* the home has no current identity */
	ADOPT_REPLACES, /* the current one shares an address: it is archived */
	ADOPT_SAME,     /* it is the current identity already */
	ADOPT_ARCHIVED, /* it is in the home, archived */
};

/* The plan for `cert`; `cur` (ident_clear()) is filled with the identity
 * concerned for every plan but ADOPT_NEW.  -1 refuses: the current identity
 * has none of its addresses (a home holds one person's identity). */
int ident_adopt_plan(const struct home *h, const struct state *st, struct x509_st *cert, time_t now,
		     struct ident *cur, struct err *e);

/* Store `cert`, `key` (encrypted under `pass`) and `chain` (may be NULL)
 * as the current identity, archiving the one it replaces with the reason
 * "replaced by restore of ORIGIN".  Only for ADOPT_NEW and ADOPT_REPLACES.
 * Updates `st`; the caller saves it (ident_discard() when that fails).
 * *out (if not NULL) is filled. */
int ident_adopt(const struct home *h, struct state *st, struct x509_st *cert,
		struct evp_pkey_st *key, struct stack_st_X509 *chain, const char *pass,
		const char *origin, time_t now, struct ident *out, struct err *e);

#endif
