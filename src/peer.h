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

#include <openssl/x509.h>

#include "err.h"
#include "home.h"
#include "state.h"

#define PEER_DIR "peers"
#define PEER_PREFIX_MIN 8

/* Store a correspondent's certificate (untrusted).  *added is 1 when it was
 * new, 0 when padseal already held it (nothing changes then).  A new
 * certificate for an address that belongs to a trusted (or once trusted)
 * different certificate is flagged changed=1.  Updates `st`; the caller
 * saves it.  The certificate must carry at least one address. */
int peer_store(const struct home *h, struct state *st, X509 *cert,
	       const char *source, int *added, struct err *e);

enum peer_find { PEER_FOUND, PEER_NONE, PEER_AMBIGUOUS };

/* Resolve a PEER argument.  An address matching several certificates means
 * the one trusted among them if there is exactly one; otherwise
 * PEER_AMBIGUOUS with `e` listing the fingerprints to choose from.  A hex
 * prefix must be at least PEER_PREFIX_MIN digits and match exactly one. */
enum peer_find peer_resolve(const struct state *st, const char *spec,
			    struct rec **out, struct err *e);

/* The number of hex digits in `s` when it holds only hex digits, colons
 * and spaces (a fingerprint or a prefix of one), else 0. */
size_t peer_hex_digits(const char *s);

/* The certificate of the peer record `r`.  *out: X509_free(). */
int peer_cert(const struct home *h, const struct rec *r, X509 **out,
	      struct err *e);

/* Every correspondent certificate held.  *out: sk_X509_pop_free(..., X509_free). */
int peer_all_certs(const struct home *h, const struct state *st,
		   STACK_OF(X509) **out, struct err *e);

/* The record of the certificate with SHA-256 hex `hex`, or NULL. */
struct rec *peer_by_hex(const struct state *st, const char *hex);

/* Does the comma-separated address list of `r` contain `addr` (any case)? */
int peer_has_address(const struct rec *r, const char *addr);
/* Does record `b` hold one of the addresses of record `a`? */
int peer_shares_address(const struct rec *a, const struct rec *b);

/* Record that our certificate was sent to `addr` (intro). */
void peer_note_sent(struct state *st, const char *addr, const char *when);

#endif
