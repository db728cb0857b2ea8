/* trust — which correspondents' certificates padseal trusts, exactly.
 *
 * Trust pins one certificate: the peer record of its SHA-256 fingerprint
 * carries trusted=1.  For a correspondent of the CA form (the record has
 * `ca`, peer.h) the fingerprint compared on the phone is the CA's, and
 * trust pins that CA together with the addresses of the certificate that
 * was verified: a later certificate that the same CA issued, whose
 * addresses are all among those, is a renewal and trusted without a new
 * call (trust_renewal_of; the record says renewed-from).  Nothing else is
 * ever trusted by extension: not another certificate for the same address
 * from another CA or self-signed (that is "changed", as always), not a
 * certificate of the same CA for another address, not the CA itself.  A
 * self-signed correspondent is pinned by its own certificate alone.  A
 * signature is trusted only when its signing certificate is a pinned one,
 * a renewal as above, or one of the user's own identities.
 *
 * Fields of a correspondent's record (struct st_peer, state.h):
 *   trusted                only while trusted
 *   verified, verified_at, forced
 *                          how and when it was verified; kept after trust
 *                          is withdrawn, as history
 *   untrusted_at           trust was withdrawn then ("was trusted until")
 *   superseded_by          ... because this certificate was trusted for
 *                          the same address (renewal)
 *   rejected_at            never trusted, and set aside by `untrust`
 *
 * This module holds the one definition of each word the lists use:
 * trusted, retired (state.h), changed and duplicate (below).
 *
 * One trusted certificate per address: clients that hold several for an
 * address pick one at random, so trusting a new certificate (a renewal the
 * person has just verified) withdraws trust from the old one of the same
 * address (untrusted-at, superseded-by).  Its file stays, so old signed
 * mail can still be checked. */
#ifndef PADSEAL_TRUST_H
#define PADSEAL_TRUST_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "home.h"
#include "lint.h"
#include "state.h"

struct x509_st; /* OpenSSL's X509: front ends need not include OpenSSL */

#define TRUST_SUPERSEDE_MAX 8

/* May the certificate of `p` be trusted at `now`?  Reads and checks its
 * file and lints it into *lint.  Refuses (-1, reasons in `e`) when the
 * certificate is expired (always), or has lint errors and `force` is 0.
 * Changes nothing. */
int trust_check(const struct home *h, const struct st_peer *p, int force, time_t now,
		struct lint_report *lint, struct err *e);

struct trust_done {
	int was_trusted; /* it already was; the verification is renewed */
	int was_changed; /* it had been "changed since you verified" */
	int forced;      /* lint errors overridden with --force */
	char superseded[TRUST_SUPERSEDE_MAX][FPR_HEX_LEN]; /* the old ones */
	size_t n_superseded;
};

/* Trust the certificate of `p` (after trust_check passes): record method,
 * date, forced; clear untrusted_at/rejected_at; withdraw trust from other
 * certificates sharing an address.  Updates `st`; the caller saves it. */
int trust_apply(const struct home *h, struct state *st, const struct st_peer *p,
		enum verify_method method, int force, time_t now, struct trust_done *out,
		struct err *e);

enum untrust_done {
	UNTRUST_WITHDRAWN, /* it was trusted; now untrusted_at */
	UNTRUST_REJECTED,  /* it never was; now rejected_at */
	UNTRUST_ALREADY,   /* nothing to do (st unchanged) */
};

/* Withdraw trust from `p` (or set a never-trusted one aside).  The file
 * stays.  Updates `st`; the caller saves it unless UNTRUST_ALREADY. */
enum untrust_done trust_withdraw(struct state *st, const struct st_peer *p, time_t now);

/* What padseal thinks of a certificate, for reading signatures and for
 * the lists. */
struct trust_status {
	int known;   /* a correspondent's certificate padseal holds */
	int own;     /* one of the user's own identities */
	int trusted; /* exactly this certificate is pinned */
	int retired; /* trust withdrawn, superseded or rejected */
	/* Changed: not trusted, not set aside, and an address of it belongs
	 * to a different certificate that is (or was) trusted: "changed since
	 * you verified".  That one, or NULL. */
	const struct st_peer *changed;
	char until[ISO_TIME_LEN]; /* "was trusted until" (untrusted_at), or "" */
	int renewed;              /* trusted as a renewal by the pinned CA */
};
/* For the certificate with SHA-256 hex `hex` and valid addresses `addrs`. */
void trust_status_of(const struct state *st, const char *hex, const char *const *addrs,
		     size_t n_addrs, struct trust_status *out);
/* The same for a certificate at hand (a message's signer). */
void trust_status_cert(const struct state *st, struct x509_st *cert, struct trust_status *out);
/* The same for a held one. */
void trust_status_peer(const struct state *st, const struct st_peer *p, struct trust_status *out);

/* A certificate that is not pinned (held untrusted and not set aside, or
 * not held at all) but was issued by the CA pinned for its addresses: the
 * trusted record whose CA that is, or NULL.  Every address of `cert` must
 * be one of that record's (the verified addresses), the CA (its file in
 * the home, checked) must have signed it and permit each address, and the
 * certificate must be current at `now` without lint errors. */
const struct st_peer *trust_renewal_of(const struct home *h, const struct state *st,
				       struct x509_st *cert, time_t now);

/* Trust `p` as a renewal of `was` (trust_renewal_of): the method and date
 * of the verification carry over, renewed-from names `was`, and `was` is
 * superseded as trust_apply does.  The caller saves `st`. */
void trust_apply_renewal(struct state *st, const struct st_peer *p, const struct st_peer *was,
			 time_t now);

/* Duplicate: `p` is in use (not retired) and another certificate in use
 * shares an address with it.  Up to `max` of those others into `others`
 * (may be NULL); returns how many there are. */
size_t trust_duplicates(const struct state *st, const struct st_peer *p,
			const struct st_peer **others, size_t max);

#endif
