/* install — what one mail program needs to use your credential and trust
 * your correspondents: the files (a legacy .p12 with its chain, the
 * correspondents' certificates, an Apple configuration profile) and the
 * numbered steps a person follows, written into a new folder at once.
 *
 * The first half is pure (memory in, memory out); install_write_dir puts
 * a built set on disk.  OpenSSL's types are declared, not included. */
#ifndef PADSEAL_INSTALL_H
#define PADSEAL_INSTALL_H

#include <stddef.h>

#include "err.h"
#include "fpr.h"

struct x509_st;
struct stack_st_X509;

enum install_prog {
	PROG_THUNDERBIRD,
	PROG_IPHONE,
	PROG_APPLE_MAIL,
	PROG_OUTLOOK,
	PROG_NEOMUTT,
	PROG_GPGSM,
	PROG_COUNT
};

/* "thunderbird", "iphone" (also "ipad", "ios"), "apple-mail" (also
 * "mac"), "outlook", "neomutt" (also "mutt"), "gpgsm" <-> enum; parse
 * returns -1 for anything else. */
int install_prog_parse(const char *s, enum install_prog *out);
const char *install_prog_name(enum install_prog p);
/* The program as a person calls it ("Thunderbird", "iPhone or iPad"). */
const char *install_prog_title(enum install_prog p);
/* Every name install_prog_parse takes first, ", "-joined. */
const char *install_prog_list(void);

/* A correspondent whose certificate goes along (borrowed). */
struct install_peer {
	struct x509_st *cert;
	/* The CA that issued it (the CA form), what the program must trust;
	 * NULL for a self-signed certificate or a CA already given with an
	 * earlier correspondent. */
	struct x509_st *ca;
	const char *addr; /* the main address */
	const char *name; /* the common name, or "" */
	char hex[FPR_HEX_LEN];
};

/* What goes in: the credential (its certificate, the .p12 already built
 * under the passphrase the person chose, its chain: the CA for the CA
 * form, may be empty) and the trusted correspondents.  Borrowed. */
struct install_in {
	enum install_prog prog;
	struct x509_st *cert;
	struct stack_st_X509 *chain;
	const unsigned char *p12;
	size_t p12_len;
	const char *name; /* the person's name (friendlyName) */
	const char *addr; /* the main address */
	char hex[FPR_HEX_LEN];
	int ec; /* an EC key */
	const struct install_peer *peers;
	size_t n_peers;
	const char *dir; /* where the folder will be (named in the steps) */
	int profile;     /* Thunderbird: imported into the profile `dir` already */
};

struct install_file {
	char name[160]; /* inside the folder, no '/' */
	unsigned char *data;
	size_t len;
	int secret; /* the .p12 (or the profile holding it): wiped when freed */
};

/* What comes out.  Free with install_set_free(). */
struct install_set {
	struct install_file *files;
	size_t n_files;
	char **steps; /* numbered steps, one paragraph each, without the number */
	size_t n_steps;
	char **notes; /* what the person should know first */
	size_t n_notes;
};
void install_set_free(struct install_set *s);

/* Refusals that depend only on the credential (gpgsm and an EC key). */
int install_check(enum install_prog prog, int ec, struct err *e);

/* Build the files and steps for `in->prog` (STEPS.txt among the files). */
int install_build(const struct install_in *in, struct install_set *out, struct err *e);

/* The folder `dir` may be made: it does not exist, or is empty; its
 * parent exists and is writable. */
int install_dir_check(const char *dir, struct err *e);
/* Write the set into a temporary folder beside `dir` (0700, files 0600),
 * fsync it, then rename it to `dir`: the folder appears whole or not at
 * all. */
int install_write_dir(const char *dir, const struct install_set *s, struct err *e);
/* Take a written folder back (when the operation fails afterwards). */
void install_remove_dir(const char *dir, const struct install_set *s);

/* Thunderbird's profile `dir` (install_nss.c): a folder holding cert9.db
 * and key4.db, not open in Thunderbird (its lock), writable, and NSS's
 * pk12util and certutil on PATH (else the sentence names libnss3-tools).
 * Changes nothing. */
int install_profile_check(const char *dir, struct err *e);
/* Import `in` into the profile `dir`: each CA trusted to identify mail
 * users (",C,"), each correspondent's certificate (",," under a CA, ",P,"
 * self-signed), then in->p12 (built under `pass`, which pk12util reads
 * from a pipe) with your own self-signed certificate trusted "u,Pu,u".
 * Done on copies of cert9.db and key4.db renamed over the originals at
 * the end: a failure leaves the profile as it was. */
int install_profile_import(const char *dir, const struct install_in *in, const char *pass,
			   struct err *e);

/* The Apple configuration profile (mobileconfig.c): a plist holding the
 * .p12 as a com.apple.security.pkcs12 payload without its password, and
 * each correspondent's certificate as com.apple.security.root (self-
 * signed or a CA) or com.apple.security.pkcs1.  Identifiers and UUIDs
 * derive from the identity's fingerprint (and each correspondent's), so
 * a newer profile replaces the one installed before.  *out: free(). */
int install_mobileconfig(const struct install_in *in, char **out, size_t *len, struct err *e);
/* The profile's PayloadIdentifier for identity `hex`. */
void install_profile_id(const char *hex, char *buf, size_t len);

/* Is `cert` self-signed or a CA (what Apple calls a root payload)? */
int install_cert_is_root(struct x509_st *cert);

#endif
