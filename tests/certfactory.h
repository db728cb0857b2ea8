/* certfactory — certificates with exactly the defects a test asks for.
 *
 * A zeroed spec (apart from `key`) gives the DESIGN.md profile: X.509 v3,
 * random serial, CN "Alice Example", subjectAltName email:alice@example.org,
 * keyUsage critical with the bits the key type needs, extendedKeyUsage
 * emailProtection, basicConstraints critical CA:FALSE, subject and authority
 * key identifiers, SHA-256, valid from `now` for 730 days.  String fields
 * take OpenSSL's X509v3 configuration syntax (as in openssl.cnf); NULL means
 * the profile value and "" means "leave the extension out". */
#ifndef PADSEAL_CERTFACTORY_H
#define PADSEAL_CERTFACTORY_H

#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

enum cf_key {
	CF_RSA, /* bits, default 3072 */
	CF_EC,  /* curve, default "P-256" */
	CF_ED25519,
	CF_RSA_PSS, /* bits, default 2048 */
};

struct cf_spec {
	enum cf_key key;
	int bits;
	const char *curve;
	const char *ku;            /* "critical,digitalSignature,keyEncipherment" */
	const char *eku;           /* "emailProtection,clientAuth" */
	const char *san;           /* "email:a@example.org,email:b@example.org" */
	const char *bc;            /* "critical,CA:TRUE" */
	const char *nc;            /* nameConstraints, "critical,permitted;email:a@b";
				    * NULL: none */
	const char *cn;            /* subject common name; "" for none */
	const char *subject_email; /* subject emailAddress; NULL for none */
	const char *issuer_cn;     /* NULL: self-issued; else the issuer is
				    * CN=issuer_cn (still signed by the own key) */
	const char *md;            /* signing digest name: "SHA256" (default), "SHA1",
				    * "MD5"; ignored for Ed25519 */
	long not_before;           /* seconds from `now` (may be negative) */
	long days;                 /* validity from notBefore; 0 means 730 */
	int v1;                    /* an X.509 v1 certificate: no extensions at all */
	int bad_ku;                /* add a keyUsage extension that cannot be decoded
				    * (instead of `ku`) */
	int bad_signer;            /* sign with another key: the self-signature fails */
	int other_key;             /* *key_out is another key of the same type */
	X509 *isn_of;              /* copy this certificate's issuer name and serial
				    * number (an impostor's: both are public data);
				    * issuer_cn is then ignored */
};

/* A fresh key of the spec's type; EVP_PKEY_free(). */
EVP_PKEY *cf_key(const struct cf_spec *s);

/* Build the certificate described by `s` at time `now`.  The result is
 * freed with X509_free(); when key_out is not NULL it receives the
 * certificate's private key (or another one, with other_key), freed with
 * EVP_PKEY_free().  Fails the running test when OpenSSL refuses. */
X509 *cf_cert(const struct cf_spec *s, time_t now, EVP_PKEY **key_out);

/* PEM of `cert` written to `path` (fails the test on error). */
void cf_write_pem(X509 *cert, const char *path);

#endif
