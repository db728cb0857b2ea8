/* handover — a credential made for someone else (the seed's Grandpa),
 * handed over: the files that person needs and a one-page sheet telling
 * them how to set it up, written into a new folder.
 *
 * The bundle: the legacy .p12 with the chain (built and read back by
 * p12.c), the certificate (PEM with the chain, as `cert` writes it, and
 * DER), the CA's certificate (the CA form, or the authority that issued
 * it), and the sheet in Markdown and HTML, both rendered from the same
 * blocks of text.  The passphrase of the .p12 is never in it.  The files
 * go into an install_set, which install_write_dir puts on disk.
 * OpenSSL's types are declared, not included. */
#ifndef PADSEAL_HANDOVER_H
#define PADSEAL_HANDOVER_H

#include <stddef.h>

#include "err.h"
#include "ident.h"
#include "install.h"

struct x509_st;
struct stack_st_X509;

/* The file names inside the folder. */
#define HANDOVER_P12      "credential.p12"
#define HANDOVER_CERT_PEM "certificate.pem"
#define HANDOVER_CERT_DER "certificate.cer"
#define HANDOVER_CA_PEM   "ca-certificate.pem"
#define HANDOVER_CA_DER   "ca-certificate.cer"
#define HANDOVER_MD       "instructions.md"
#define HANDOVER_HTML     "instructions.html"

/* What goes in (borrowed). */
struct handover_in {
	const struct ident *id;      /* the credential: name, addresses, form, dates */
	struct x509_st *cert;        /* its certificate */
	struct stack_st_X509 *chain; /* its issuers (the CA first); may be empty */
	const unsigned char *p12;    /* the legacy .p12, read back already */
	size_t p12_len;
	const char *made; /* the date it is handed over, "YYYY-MM-DD" */
};

/* The sheet for `in`, as Markdown and as a printable HTML page (every
 * piece of text from a certificate escaped for each).  *md, *html:
 * free(). */
void handover_sheet(const struct handover_in *in, char **md, char **html);

/* Every file of the bundle, into `out` (install_set_free()). */
int handover_build(const struct handover_in *in, struct install_set *out, struct err *e);

/* The folder may be made: nothing exists at `dir` (not even an empty
 * folder), its parent is a writable folder. */
int handover_dir_check(const char *dir, struct err *e);

#endif
