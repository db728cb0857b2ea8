/* cred — S/MIME credentials: key generation, the self-signed certificate
 * profile of DESIGN.md, the encrypted PKCS#8 key at rest, and reading
 * certificates in any common encoding.  Uses OpenSSL types; front ends go
 * through ident.h instead. */
#ifndef PADSEAL_CRED_H
#define PADSEAL_CRED_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"

enum key_type {
	KEY_RSA2048,
	KEY_RSA3072,
	KEY_RSA4096,
	KEY_P256,
	KEY_P384,
};
#define KEY_DEFAULT          KEY_RSA3072
#define CRED_DEFAULT_DAYS    730
#define CRED_MAX_DAYS        36500
#define CRED_CA_DEFAULT_DAYS 3650

/* "rsa3072" <-> KEY_RSA3072; parse returns -1 for an unknown name. */
int key_type_parse(const char *s, enum key_type *out);
const char *key_type_name(enum key_type t);
/* One line for a person choosing ("RSA 3072 — recommended: ..."). */
const char *key_type_help(enum key_type t);

struct cred_req {
	const char *name;          /* common name shown by clients */
	const char *const *emails; /* first is the main address */
	size_t n_emails;
	enum key_type key;
	int days; /* validity, 1..CRED_MAX_DAYS */
};

/* The type of an existing key (-1 when padseal makes none like it). */
int cred_key_type(EVP_PKEY *key, enum key_type *out);

/* Generate a fresh key.  *out is freed with EVP_PKEY_free(). */
int cred_keygen(enum key_type t, EVP_PKEY **out, struct err *e);

/* Build and self-sign the certificate for `key` valid from `now`.  The
 * request is validated (name, addresses, days) first.  *out: X509_free(). */
int cred_make_cert(const struct cred_req *req, EVP_PKEY *key, time_t now, X509 **out,
		   struct err *e);

/* The personal CA of the person `req` names: CN "NAME (mail CA)",
 * basicConstraints critical CA:TRUE pathLen 0, keyUsage critical
 * keyCertSign+cRLSign, nameConstraints critical permitting exactly the
 * request's addresses (rfc822Name), SKI; self-signed with `ca_key`, valid
 * req->days from `now`.  *out: X509_free(). */
int cred_make_ca(const struct cred_req *req, EVP_PKEY *ca_key, time_t now, X509 **out,
		 struct err *e);

/* The mail certificate for `req` and `key` (the same profile as
 * cred_make_cert) issued by `ca` with `ca_key`: refused when the key is
 * not the CA's, the CA is no CA or has expired at `now`, or it does not
 * permit every address.  Its notAfter is no later than the CA's; its AKI is
 * the CA's SKI.  *out: X509_free(). */
int cred_issue(const struct cred_req *req, EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, time_t now,
	       X509 **out, struct err *e);

/* 1 when `x` is a CA certificate (basicConstraints CA:TRUE). */
int cred_is_ca(X509 *x);
/* 1 when `leaf` names `issuer` as its issuer and its signature verifies
 * with `issuer`'s key. */
int cred_issued_by(X509 *leaf, X509 *issuer);
/* 1 when `x` is signed by its own key under its own name. */
int cred_self_signed(X509 *x);
/* The first certificate of `chain` that is not on the path from `leaf`
 * up through its issuers (each issued the one before, up to a
 * self-signed one), or NULL when every one is: the chain links. */
X509 *cred_chain_stray(X509 *leaf, STACK_OF(X509) * chain);
/* 1 when the nameConstraints of `ca` (RFC 5280 rfc822Name subtrees:
 * mailbox, host, .domain) allow `addr`; a CA without them permits all. */
int cred_ca_permits(X509 *ca, const char *addr);

/* The digest padseal signs with for this key: SHA-256, or SHA-384 for EC
 * keys above 256 bits (what gpgsm requires). */
const EVP_MD *cred_digest(EVP_PKEY *key);

/* Validate a request without making anything (name, addresses, days). */
int cred_req_check(const struct cred_req *req, struct err *e);

/* The private key as encrypted PKCS#8 PEM (PBES2: scrypt + AES-256-CBC).
 * *pem is freed with OPENSSL_free(). */
int cred_key_encrypt(EVP_PKEY *key, const char *pass, char **pem, size_t *len, struct err *e);

/* Unlock an encrypted key; a wrong passphrase gives "the passphrase does
 * not unlock this key".  `what` names the key in messages. */
int cred_key_decrypt(const char *pem, size_t len, const char *pass, const char *what,
		     EVP_PKEY **out, struct err *e);

/* 1 when `key` is the private half of `cert`'s public key. */
int cred_key_matches(X509 *cert, EVP_PKEY *key);

/* The first certificate in `buf`: PEM (any label order, text around it) or
 * DER.  `what` names the input in messages.  *out: X509_free(). */
int cert_parse(const unsigned char *buf, size_t len, const char *what, X509 **out, struct err *e);

/* PEM text of a certificate (NUL-terminated, OPENSSL_free()). */
char *cert_to_pem(X509 *cert, size_t *len);
/* DER bytes (OPENSSL_free()). */
unsigned char *cert_to_der(X509 *cert, size_t *len);

/* The addresses of a certificate: subjectAltName rfc822Names in order, else
 * the subject's emailAddress.  Returns the count; *out is an array of
 * strings freed with cert_emails_free(). */
size_t cert_emails(X509 *cert, char ***out);
void cert_emails_free(char **list, size_t n);
/* How many rfc822Name addresses its subjectAltName holds (before taking
 * them: a hostile certificate may hold very many). */
size_t cert_email_count(X509 *cert);

/* The subject's common name (or "" when none), malloc'd. */
char *cert_common_name(X509 *cert);

/* "RSA 3072", "EC P-256", ... into buf. */
void cert_key_desc(X509 *cert, char *buf, size_t len);

/* ISO 8601 UTC ("2028-11-22T10:00:00Z") of an ASN1_TIME. */
int asn1_time_iso(const ASN1_TIME *t, char *buf, size_t len);
/* time_t of an ASN1_TIME (-1 when unreadable). */
time_t asn1_time_t(const ASN1_TIME *t);

/* Serial in hex (upper case, no separators). */
void cert_serial_hex(X509 *cert, char *buf, size_t len);

#endif
