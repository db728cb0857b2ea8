/* lint — interoperability findings for any certificate used for S/MIME:
 * what is wrong, what it breaks in which clients, and how to fix it. */
#ifndef PADSEAL_LINT_H
#define PADSEAL_LINT_H

#include <stddef.h>
#include <time.h>

/* OpenSSL's X509 and EVP_PKEY, declared here so that front ends can read
 * reports without including OpenSSL. */
struct x509_st;
struct evp_pkey_st;

enum lint_sev { LINT_INFO, LINT_WARNING, LINT_ERROR };

struct lint_finding {
	enum lint_sev sev;
	const char *code;    /* stable id: "ku-missing", "eku-no-email", ... */
	char text[320];      /* the defect and its consequence, one sentence */
	const char *clients; /* which clients it affects */
	const char *fix;     /* what to do */
};

#define LINT_MAX 32
struct lint_report {
	size_t n;
	struct lint_finding f[LINT_MAX];
};

/* Examine `cert` as a mail certificate at time `now`.  `key`, when not NULL,
 * is checked to be the certificate's own private key. */
void lint_cert(struct x509_st *cert, struct evp_pkey_st *key, time_t now, struct lint_report *r);

/* Add the findings about the CA `ca` that issued `cert` (a CA used for
 * mail): not a CA, no keyCertSign, no pathLen, no nameConstraints, an
 * address of `cert` outside them, `cert` outliving the CA. */
void lint_chain(struct x509_st *cert, struct x509_st *ca, time_t now, struct lint_report *r);

/* Number of findings of severity `sev`. */
size_t lint_count(const struct lint_report *r, enum lint_sev sev);
/* 1 if the report has a finding with this code. */
int lint_has(const struct lint_report *r, const char *code);
const char *lint_sev_name(enum lint_sev sev); /* "error", "warning", "info" */

/* The severity of the finding with `code`; -1 for a code lint never
 * reports. */
int lint_code_sev(const char *code);

/* Does the finding depend on the date it is made at (expired, not yet
 * valid, expires soon)?  What the home keeps of a certificate leaves
 * those out and works them out again from its dates. */
int lint_code_dated(const char *code);

/* The findings of a certificate as the home keeps them: the codes of
 * those that do not depend on the date, ","-joined, into buf. */
void lint_codes(const struct lint_report *r, char *buf, size_t len);

/* How many findings of each severity a kept certificate has at `now`:
 * its codes (as lint_codes wrote them) and its dates.  counts[LINT_INFO],
 * counts[LINT_WARNING], counts[LINT_ERROR]. */
void lint_count_kept(const char *codes, time_t not_before, time_t not_after, time_t now,
		     size_t counts[3]);

#endif
