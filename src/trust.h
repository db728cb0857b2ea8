/* trust — which correspondents' certificates padseal trusts, exactly.
 *
 * Trust pins one certificate: the peer record of its SHA-256 fingerprint
 * carries trusted=1.  Nothing else is ever trusted by extension: not
 * another certificate for the same address (a renewal, or an attacker),
 * not a certificate issued by the same CA, not the CA itself.  A signature
 * is trusted only when its signing certificate is a pinned one (or one of
 * the user's own identities).
 *
 * Fields on the `peer` record (see peer.h):
 *   trusted=1              only while trusted (absent otherwise)
 *   verified=phone|in-person|other  verified-at=ISO  forced=0|1
 *                          how and when it was verified; kept after trust
 *                          is withdrawn, as history
 *   untrusted-at=ISO       trust was withdrawn then ("was trusted until")
 *   superseded-by=HEX      ... because this certificate was trusted for
 *                          the same address (renewal)
 *   rejected-at=ISO        never trusted, and set aside by `untrust`
 *   changed=1              set by peer_store: it arrived for an address
 *                          whose trusted certificate is a different one
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
#include "fpr.h"
#include "home.h"
#include "isotime.h"
#include "lint.h"
#include "state.h"

struct x509_st; /* OpenSSL's X509: front ends need not include OpenSSL */

#define TRUST_SUPERSEDE_MAX 8

/* 1 for "phone", "in-person", "other". */
int trust_method_valid(const char *method);

/* May the certificate of peer record `r` be trusted at `now`?  Reads and
 * checks its file (it must be exactly the certificate of the record) and
 * lints it into *lint.  Refuses (-1, reasons in `e`) when the certificate
 * is expired (always), or has lint errors and `force` is 0.  Changes
 * nothing. */
int trust_check(const struct home *h, const struct rec *r, int force, time_t now,
		struct lint_report *lint, struct err *e);

struct trust_done {
	int was_trusted; /* it already was; the verification is renewed */
	int was_changed; /* it had been flagged changed; now cleared */
	int forced;      /* lint errors overridden with --force */
	char superseded[TRUST_SUPERSEDE_MAX][FPR_HEX_LEN]; /* hex of the old ones */
	size_t n_superseded;
};

/* Trust the certificate of `r` (after trust_check passes): record method,
 * date, forced; clear changed/untrusted-at/rejected-at; withdraw trust
 * from other certificates sharing an address.  Updates `st`; the caller
 * saves it. */
int trust_apply(const struct home *h, struct state *st, struct rec *r, const char *method,
		int force, time_t now, struct trust_done *out, struct err *e);

enum untrust_done {
	UNTRUST_WITHDRAWN, /* it was trusted; now untrusted-at */
	UNTRUST_REJECTED,  /* it never was; now rejected-at */
	UNTRUST_ALREADY,   /* nothing to do (st unchanged) */
};

/* Withdraw trust from `r` (or set a never-trusted one aside).  The file
 * stays.  Updates `st`; the caller saves it unless UNTRUST_ALREADY. */
enum untrust_done trust_withdraw(struct state *st, struct rec *r, time_t now);

/* What padseal thinks of a certificate, for reading signatures and for
 * the lists.  Pass the certificate's SHA-256 hex and its addresses. */
struct trust_status {
	int known;                    /* a correspondent's certificate padseal holds */
	int own;                      /* one of the user's own identities */
	int trusted;                  /* exactly this certificate is pinned */
	int retired;                  /* trust withdrawn, superseded or rejected */
	int changed;                  /* not trusted, not set aside, and an address of it
					 belongs to a different certificate that is (or
					 was) trusted: "changed since you verified" */
	char until[ISO_TIME_LEN];     /* "was trusted until" (untrusted-at), or "" */
	char previous[FPR_COLON_LEN]; /* changed: that other certificate (colon form) */
};
void trust_status_of(const struct state *st, const char *hex, char *const *emails, size_t n_emails,
		     struct trust_status *out);
/* The same for a certificate at hand (a message's signer). */
void trust_status_cert(const struct state *st, struct x509_st *cert, struct trust_status *out);

/* The same for a peer record (the lists: peers, status). */
void trust_status_rec(const struct state *st, const struct rec *r, struct trust_status *out);

/* Is record `r` one whose trust was withdrawn or that was set aside? */
int trust_retired(const struct rec *r);

#endif
