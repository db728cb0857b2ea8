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

/* Number of findings of severity `sev`. */
size_t lint_count(const struct lint_report *r, enum lint_sev sev);
/* 1 if the report has a finding with this code. */
int lint_has(const struct lint_report *r, const char *code);
const char *lint_sev_name(enum lint_sev sev); /* "error", "warning", "info" */

#endif
