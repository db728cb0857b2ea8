/* peer — correspondents' certificates held in the home, and how a PEER
 * argument (an address, or ≥ 8 hex digits of a SHA-256 fingerprint) names
 * one of them.
 *
 * Files: peers/<SHA256HEX>.pem.  Records in the checklist:
 *   peer fpr=HEX fpr-colon=AB:.. email=MAIN emails=a,b received=ISO
 *        source=WHERE [sent=ISO] [trusted=1 verified=phone|in-person|other
 *        verified-at=ISO forced=0|1] [untrusted-at=ISO [superseded-by=HEX]]
 *        [rejected-at=ISO] [changed=1]
 *        [out-plain=todo|sent|passed|failed ...] [in-...] [out-plain-why=...]
 *   intro to=ADDR at=ISO     (our certificate was sent to ADDR)
 * Trust belongs to the trust module (trust.h says what the trust fields
 * mean); this one only stores and finds. */
#ifndef PADSEAL_PEER_H
#define PADSEAL_PEER_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "fpr.h"
#include "home.h"
#include "isotime.h"
#include "lint.h"
#include "state.h"

/* OpenSSL's types, declared so that front ends need not include OpenSSL. */
struct x509_st;
struct stack_st_X509;

#define PEER_DIR        "peers"
#define PEER_PREFIX_MIN 8

/* Store a correspondent's certificate (untrusted).  *added is 1 when it was
 * new, 0 when padseal already held it (nothing changes then).  A new
 * certificate for an address that belongs to a trusted (or once trusted)
 * different certificate is flagged changed=1.  Updates `st`; the caller
 * saves it.  The certificate must carry at least one address. */
int peer_store(const struct home *h, struct state *st, struct x509_st *cert, const char *source,
	       int *added, struct err *e);

enum peer_find { PEER_FOUND, PEER_NONE, PEER_AMBIGUOUS };

/* Resolve a PEER argument.  An address matching several certificates means
 * the one trusted among them if there is exactly one; otherwise
 * PEER_AMBIGUOUS with `e` listing the fingerprints to choose from.  A hex
 * prefix must be at least PEER_PREFIX_MIN digits and match exactly one. */
enum peer_find peer_resolve(const struct state *st, const char *spec, struct rec **out,
			    struct err *e);

/* The number of hex digits in `s` when it holds only hex digits, colons
 * and spaces (a fingerprint or a prefix of one), else 0. */
size_t peer_hex_digits(const char *s);

/* The certificate of the peer record `r`.  *out: X509_free(). */
int peer_cert(const struct home *h, const struct rec *r, struct x509_st **out, struct err *e);

/* Every correspondent certificate held.  *out: sk_X509_pop_free(..., X509_free). */
int peer_all_certs(const struct home *h, const struct state *st, struct stack_st_X509 **out,
		   struct err *e);

/* The record of the certificate with SHA-256 hex `hex`, or NULL. */
struct rec *peer_by_hex(const struct state *st, const char *hex);

/* Does the comma-separated address list of `r` contain `addr` (any case)? */
int peer_has_address(const struct rec *r, const char *addr);
/* Does record `b` hold one of the addresses of record `a`? */
int peer_shares_address(const struct rec *a, const struct rec *b);

/* Record that our certificate was sent to `addr` (intro). */
void peer_note_sent(struct state *st, const char *addr, const char *when);

/* What a person is shown of a correspondent's certificate, in a form a
 * front end reads without OpenSSL. */
struct peer_info {
	char hex[FPR_HEX_LEN];         /* SHA-256, upper-case hex */
	char colon[FPR_COLON_LEN];     /* SHA-256, colon form */
	unsigned char sha256[FPR_MAX]; /* the digests, 32 and 20 bytes */
	unsigned char sha1[FPR_MAX];
	char name[256];    /* common name, "" when none */
	char emails[1024]; /* addresses, ","-separated, main first
			      (cut at an address when too many) */
	size_t n_emails;
	char key[24];                                           /* "RSA 3072", "EC P-256" */
	char not_before[ISO_TIME_LEN], not_after[ISO_TIME_LEN]; /* ISO 8601 UTC */
	time_t not_after_t;
	struct lint_report lint; /* at `now` */
};

/* Describe `cert` as of `now`. */
void peer_info_cert(struct x509_st *cert, time_t now, struct peer_info *out);

/* Describe the certificate of peer record `r`, read from its file, which
 * must be exactly the certificate the record names (else an error: the
 * file changed on disk). */
int peer_info(const struct home *h, const struct rec *r, time_t now, struct peer_info *out,
	      struct err *e);

#endif
