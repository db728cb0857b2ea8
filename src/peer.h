/* peer — correspondents' certificates held in the home (peers/HEX.pem, one
 * `peer` record each in the state), and how a PEER argument (an address,
 * or at least 8 hex digits of a SHA-256 fingerprint) names one of them.
 * Trust belongs to the trust module; this one stores and finds. */
#ifndef PADSEAL_PEER_H
#define PADSEAL_PEER_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "fpr.h"
#include "home.h"
#include "lint.h"
#include "state.h"

/* OpenSSL's types, declared so that front ends need not include OpenSSL. */
struct x509_st;
struct stack_st_X509;

#define PEER_DIR        "peers"
#define PEER_PREFIX_MIN 8

/* May `cert` be stored as a correspondent's certificate?  Refuses one with
 * no valid address, more than PEER_ADDRS_MAX addresses, a common name
 * longer than PEER_NAME_MAX, or the user's own.  `invalid` (may be NULL)
 * gets the number of addresses that are not addr-specs (left out). */
int peer_check(const struct state *st, struct x509_st *cert, size_t *invalid, struct err *e);

/* Store a correspondent's certificate (untrusted): its file, and its
 * record with the certificate's facts.  *added is 1 when it was new, 0
 * when padseal already held it (then only a missing file is written
 * again).  *out (may be NULL) is its record.  The caller saves `st`. */
int peer_store(const struct home *h, struct state *st, struct x509_st *cert, const char *source,
	       time_t now, const struct st_peer **out, int *added, struct err *e);

/* Resolve a PEER argument.  An address matching several certificates means
 * the one trusted among them if there is exactly one; otherwise refused
 * with e->code ERR_USAGE, listing the fingerprints to choose from.  A hex
 * prefix must be at least PEER_PREFIX_MIN digits and match exactly one.
 * NULL with `e` when nothing matches. */
const struct st_peer *peer_resolve(const struct state *st, const char *spec, struct err *e);

/* The number of hex digits in `s` when it holds only hex digits, colons
 * and spaces (a fingerprint or a prefix of one), else 0. */
size_t peer_hex_digits(const char *s);

/* The certificate of `p`, which must be exactly the one the record names
 * (else an error: the file changed or is missing, with what to do).
 * *out: X509_free(). */
int peer_cert(const struct home *h, const struct st_peer *p, struct x509_st **out, struct err *e);

/* The path of the certificate file of `hex` (free()). */
char *peer_path(const struct home *h, const char *hex);

/* --- the CA of a correspondent ------------------------------------------
 *
 * A correspondent of the CA form (padseal's default, and what other clients
 * make when their owner is their own CA) sends the mail certificate with
 * the CA that issued it.  padseal keeps the CA beside the record
 * (peers/ca-HEX.pem, the record's `ca`), and that CA is what the person
 * reads over the phone and what trust pins: a later certificate for the
 * same addresses from the same CA is a renewal (trust.h).  A self-signed
 * certificate, or one whose CA did not come with it, is verified and
 * pinned itself, as always. */

/* The CA file of fingerprint `hex` (free()). */
char *peer_ca_path(const struct home *h, const char *hex);
/* The CA certificate of `p` (p->ca set), checked to be the one recorded.
 * *out: X509_free(). */
int peer_ca_cert(const struct home *h, const struct st_peer *p, struct x509_st **out,
		 struct err *e);
/* The CA among `carried` that issued `leaf` (a self-signed CA:TRUE
 * certificate whose key signed it), or NULL; never one for a self-signed
 * or CA leaf.  Not up-ref'd. */
struct x509_st *peer_ca_find(struct x509_st *leaf, struct stack_st_X509 *carried);
/* Does `ca` permit every address of `leaf`?  Else -1 with the sentence. */
int peer_ca_check(struct x509_st *leaf, struct x509_st *ca, struct err *e);
/* Record `ca` as the CA of `p` and write its file when missing (*added).
 * A record that has a CA, is trusted or retired is left alone. */
int peer_ca_store(const struct home *h, struct state *st, const struct st_peer *p,
		  struct x509_st *ca, int *added, struct err *e);

/* For state_load: a version 1 checklist lacks the certificates' facts;
 * read them from the files. */
int peer_facts_from_files(const struct home *h, struct state *st, struct err *e);

/* Which correspondents' certificate files are missing from peers/ (one
 * directory read, whatever the number): missing[i] for peer i.  Returns
 * how many are. */
size_t peer_files_missing(const struct home *h, const struct state *st, unsigned char *missing);

/* The SHA-256 colon form of a record's fingerprint. */
void peer_colon(const struct st_peer *p, char out[FPR_COLON_LEN]);
/* Any fingerprint of a record (SHA-256 or SHA-1 hex) with colons. */
void hex_colon(const char *hex, char out[FPR_COLON_LEN]);

/* What a person is shown of a correspondent's certificate, in a form a
 * front end reads without OpenSSL. */
struct peer_info {
	char hex[FPR_HEX_LEN];         /* SHA-256, upper-case hex */
	char colon[FPR_COLON_LEN];     /* SHA-256, colon form */
	unsigned char sha256[FPR_MAX]; /* the digests, 32 and 20 bytes */
	unsigned char sha1[FPR_MAX];
	char name[PEER_NAME_MAX + 1]; /* common name, "" when none */
	char emails[1024];            /* valid addresses, ","-separated, main
					 first (cut at an address) */
	size_t n_emails;
	size_t n_invalid;       /* addresses that are not addr-specs */
	char key[KEY_DESC_LEN]; /* "RSA 3072", "EC P-256" */
	char not_before[ISO_TIME_LEN], not_after[ISO_TIME_LEN];
	time_t not_after_t;
	struct lint_report lint; /* at `now` */
	/* The CA form (peer_info only): the CA that issued it, whose
	 * fingerprint is the one compared by phone (trust.h). */
	int has_ca;
	unsigned char ca_sha256[FPR_MAX], ca_sha1[FPR_MAX];
};

/* Describe `cert` as of `now`. */
void peer_info_cert(struct x509_st *cert, time_t now, struct peer_info *out);

/* Describe the certificate of `p`, read from its file (peer_cert), with
 * its CA's fingerprints when it has one (peer_ca_cert). */
int peer_info(const struct home *h, const struct st_peer *p, time_t now, struct peer_info *out,
	      struct err *e);

/* The valid addresses of `cert` (addr-specs only, at most PEER_ADDRS_MAX
 * kept); *invalid (may be NULL) counts the others.  Free with
 * cert_emails_free(). */
size_t peer_cert_addrs(struct x509_st *cert, char ***out, size_t *invalid);

#endif
