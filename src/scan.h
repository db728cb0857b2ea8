/* scan — the certificates a mailbox still carries.  Every signed message
 * carries its signer's certificate, and mail programs harvest them again
 * from old messages; when one address has several, the program picks one
 * silently.  The scan collects the signer certificates of a mailbox's
 * signed messages (nothing is decrypted), groups them by address, marks
 * the current one (yours, or the correspondent's trusted one) and lists
 * the messages that still carry each of the others.  No OpenSSL types. */
#ifndef PADSEAL_SCAN_H
#define PADSEAL_SCAN_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "fpr.h"
#include "isotime.h"
#include "state.h"

#define SCAN_WHERE_MAX 10 /* messages named per certificate */

enum scan_status {
	SCAN_CURRENT,      /* your current certificate, or the trusted one of a correspondent */
	SCAN_ARCHIVED_OWN, /* one of your archived certificates */
	SCAN_HELD,         /* a correspondent's certificate held, not trusted */
	SCAN_UNKNOWN,      /* not in the home */
};

struct scan_cert {
	char hex[FPR_HEX_LEN];
	char colon[FPR_COLON_LEN];
	char **addrs; /* its addresses, main first */
	size_t n_addrs;
	char not_after[ISO_TIME_LEN];
	char last_signed[ISO_TIME_LEN]; /* latest signingTime seen, or "" */
	enum scan_status status;
	size_t n_msgs;               /* messages carrying it */
	char *where[SCAN_WHERE_MAX]; /* the first of them */
};

struct scan {
	struct scan_cert *certs;
	size_t n;
	size_t messages;    /* read (the caller counts them) */
	size_t signed_msgs; /* of them, carrying a signer certificate */
};

/* Take the signer certificates of the message `buf` (`where` names it).
 * Open it with a `ctx` without keys: nothing is decrypted.  A message
 * that cannot be read is passed over. */
struct msg_ctx;
void scan_message(struct scan *sc, const struct msg_ctx *ctx, const char *where,
		  const unsigned char *buf, size_t len);

/* Is the header block `head` one of a signed (or S/MIME) message? */
int scan_wants(const unsigned char *head, size_t len);

/* Mark each certificate's status from the home (`own`: the hex of your
 * identities, `own_current` which is current) and sort by address. */
void scan_finish(struct scan *sc, const struct state *st, const char *const *own_hex,
		 const int *own_current, size_t n_own);

/* Does `addr` have another certificate than `c` that is current? */
int scan_stale(const struct scan *sc, const struct scan_cert *c);

void scan_free(struct scan *sc);

#endif
