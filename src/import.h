/* import — a correspondent's certificate from what they sent: a signed
 * message (every signature checked first; the signers' certificates are
 * taken, never your own), or certificate files (PEM, DER, PKCS#7/CMS
 * bundles: .p7s, .p7c, .p7b), from which certificates without an address
 * are left out.  A CA certificate that came along is kept as the CA of the
 * certificate it issued (peer.h), never as a correspondent; one that does
 * not permit that certificate's addresses refuses the file.  Storing a
 * certificate issued by the CA already verified for its addresses trusts
 * it as a renewal (trust.h).  What the `import` verb and the
 * wizard's Exchange screen both call.  No OpenSSL types here. */
#ifndef PADSEAL_IMPORT_H
#define PADSEAL_IMPORT_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "home.h"
#include "msg.h"
#include "peer.h"
#include "state.h"

#define IMPORT_MAX 64 /* certificates taken from one file */

struct import_set;

/* Find the certificates in `buf` (the file `name`, named in messages).  A
 * message is opened with `ctx`, whose ask_pass is called only when an
 * envelope for the user is met.  Refuses (-1) a message with an invalid or
 * uncheckable signature or none at all, one signed only by the user, a
 * PKCS#12 backup, anything else that is no certificate, and a file with no
 * correspondent's certificate in it.  Reads only.  *out: import_free(). */
int import_read(const struct msg_ctx *ctx, const unsigned char *buf, size_t len, const char *name,
		struct import_set **out, struct err *e);
void import_free(struct import_set *s);

size_t import_count(const struct import_set *s);

/* Would every certificate of `s` be accepted (peer_check)?  Your own
 * certificate is refused.  Changes nothing. */
int import_check(const struct state *st, const struct import_set *s, struct err *e);

/* Store every certificate of `s` (peer_store: untrusted), `source` saying
 * where it came from.  The home is open for writing and `st` fresh; the
 * caller saves `st` when import_added() says anything is new, and calls
 * import_unstore() when that fails. */
int import_store(const struct home *h, struct state *st, struct import_set *s, const char *source,
		 time_t now, struct err *e);
size_t import_added(const struct import_set *s);
/* Trust every certificate of `s` (after import_store) as verified by
 * `method` (trust_apply: refused for lint errors or expiry). */
int import_trust(const struct home *h, struct state *st, struct import_set *s,
		 enum verify_method method, time_t now, struct err *e);
/* Remove the certificate files import_store added. */
void import_unstore(const struct home *h, const struct import_set *s);

/* What a person is shown of certificate `i` of the set. */
struct import_view {
	struct peer_info info;
	int own;                      /* one of the user's own identities */
	int held;                     /* padseal holds it (after import_store: new or not) */
	int added;                    /* import_store added it just now */
	size_t holders;               /* the most certificates held for one of its
					 addresses, this one counted as held */
	int changed;                  /* an address of it belongs to a different
					 certificate that is (or was) trusted */
	int renewed;                  /* import_store trusted it: issued by the CA you
					 verified for its addresses (trust.h) */
	int made;                     /* import_trust trusted it (--made-by-me) */
	int trusted;                  /* trusted now (after import_store) */
	char ca_colon[FPR_COLON_LEN]; /* the SHA-256 of the CA that issued it
					 and came with it (what is compared
					 on the phone), or "" */
	unsigned char ca_sha256[FPR_MAX];
};

/* Certificate `i` as the home `st` sees it: before import_store a preview
 * (what storing it would mean), after it the result. */
void import_view(const struct import_set *s, size_t i, const struct state *st, time_t now,
		 struct import_view *out);

#endif
