#include "config.h"

#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "certfactory.h"

static void
ossl_fail(const char *what)
{
	char buf[256] = "";

	ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
	cr_assert_fail("certfactory: %s failed: %s", what, buf);
}

static EVP_PKEY *
rsa_pss_key(int bits)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	EVP_PKEY *k = NULL;

	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) <= 0 || EVP_PKEY_generate(ctx, &k) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	return k;
}

EVP_PKEY *
cf_key(const struct cf_spec *s)
{
	EVP_PKEY *k = NULL;

	switch (s->key) {
	case CF_RSA:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)(s->bits ? s->bits : 3072));
		break;
	case CF_EC: k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", s->curve ? s->curve : "P-256"); break;
	case CF_ED25519: k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"); break;
	case CF_RSA_PSS: k = rsa_pss_key(s->bits ? s->bits : 2048); break;
	}
	if (k == NULL)
		ossl_fail("key generation");
	return k;
}

static const char *
default_ku(enum cf_key t)
{
	switch (t) {
	case CF_RSA:
	case CF_RSA_PSS: return "critical,digitalSignature,keyEncipherment";
	case CF_EC: return "critical,digitalSignature,keyAgreement";
	case CF_ED25519: break;
	}
	return "critical,digitalSignature";
}

/* Add the extension `nid` with `value` (NULL: `dflt`; "": none). */
static void
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value, const char *dflt)
{
	X509_EXTENSION *ext;

	if (value == NULL)
		value = dflt;
	if (*value == '\0')
		return;
	ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
	if (ext == NULL || !X509_add_ext(x, ext, -1))
		ossl_fail(OBJ_nid2sn(nid));
	X509_EXTENSION_free(ext);
}

/* A keyUsage extension whose value is an OCTET STRING, not a BIT STRING. */
static void
add_bad_ku(X509 *x)
{
	static const unsigned char junk[] = {0x04, 0x01, 0xff};
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;

	if (os == NULL || !ASN1_OCTET_STRING_set(os, junk, sizeof junk) ||
	    (ext = X509_EXTENSION_create_by_NID(NULL, NID_key_usage, 1, os)) == NULL ||
	    !X509_add_ext(x, ext, -1))
		ossl_fail("bad keyUsage");
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
}

static void
add_exts(X509 *x, const struct cf_spec *s)
{
	X509V3_CTX ctx;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	add_ext(x, &ctx, NID_basic_constraints, s->bc, "critical,CA:FALSE");
	add_ext(x, &ctx, NID_subject_key_identifier, NULL, "hash");
	add_ext(x, &ctx, NID_authority_key_identifier, NULL, "keyid:always");
	if (s->bad_ku)
		add_bad_ku(x);
	else
		add_ext(x, &ctx, NID_key_usage, s->ku, default_ku(s->key));
	add_ext(x, &ctx, NID_ext_key_usage, s->eku, "emailProtection");
	add_ext(x, &ctx, NID_subject_alt_name, s->san, "email:alice@example.org");
	add_ext(x, &ctx, NID_name_constraints, s->nc, "");
}

static void
set_name(X509 *x, const struct cf_spec *s)
{
	X509_NAME *n = X509_get_subject_name(x);
	const char *cn = s->cn ? s->cn : "Alice Example";

	/* A name past X.520's 64 characters is set as it is (a hostile
	 * issuer's certificate can carry one): OpenSSL's table refuses it. */
	if (*cn != '\0' &&
	    !X509_NAME_add_entry_by_txt(n, "CN",
					strlen(cn) > 64 ? V_ASN1_UTF8STRING : MBSTRING_UTF8,
					(const unsigned char *)cn, -1, -1, 0))
		ossl_fail("common name");
	if (s->subject_email != NULL &&
	    !X509_NAME_add_entry_by_NID(n, NID_pkcs9_emailAddress, MBSTRING_ASC,
					(const unsigned char *)s->subject_email, -1, -1, 0))
		ossl_fail("emailAddress");
	if (s->isn_of != NULL) {
		if (!X509_set_issuer_name(x, X509_get_issuer_name(s->isn_of)))
			ossl_fail("issuer");
	} else if (s->issuer_cn == NULL) {
		if (!X509_set_issuer_name(x, n))
			ossl_fail("issuer");
	} else if (!X509_NAME_add_entry_by_txt(X509_get_issuer_name(x), "CN", MBSTRING_UTF8,
					       (const unsigned char *)s->issuer_cn, -1, -1, 0)) {
		ossl_fail("issuer");
	}
}

static void
set_serial_and_dates(X509 *x, const struct cf_spec *s, time_t now)
{
	uint64_t serial;

	if (RAND_bytes((unsigned char *)&serial, sizeof serial) != 1)
		ossl_fail("RAND_bytes");
	serial = (serial >> 1) | 1;
	if (!ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) ||
	    !X509_time_adj_ex(X509_getm_notBefore(x), 0, s->not_before, &now) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), (int)(s->days ? s->days : 730), s->not_before,
			      &now))
		ossl_fail("serial and dates");
}

X509 *
cf_cert(const struct cf_spec *s, time_t now, EVP_PKEY **key_out)
{
	X509 *x = X509_new();
	EVP_PKEY *key = cf_key(s), *signer = key;
	const EVP_MD *md = NULL;

	if (x == NULL || !X509_set_version(x, s->v1 ? X509_VERSION_1 : X509_VERSION_3) ||
	    !X509_set_pubkey(x, key))
		ossl_fail("X509 set-up");
	set_serial_and_dates(x, s, now);
	if (s->isn_of != NULL && !X509_set_serialNumber(x, X509_get_serialNumber(s->isn_of)))
		ossl_fail("serial");
	set_name(x, s);
	if (!s->v1)
		add_exts(x, s);
	if (s->key != CF_ED25519 && (md = EVP_get_digestbyname(s->md ? s->md : "SHA256")) == NULL)
		ossl_fail("digest lookup");
	if (s->bad_signer)
		signer = cf_key(s);
	if (X509_sign(x, signer, md) <= 0)
		ossl_fail("X509_sign");
	if (signer != key)
		EVP_PKEY_free(signer);
	if (key_out != NULL && s->other_key) {
		*key_out = cf_key(s);
		EVP_PKEY_free(key);
	} else if (key_out != NULL) {
		*key_out = key;
	} else {
		EVP_PKEY_free(key);
	}
	return x;
}

void
cf_write_pem(X509 *cert, const char *path)
{
	BIO *b = BIO_new_file(path, "w");

	if (b == NULL || !PEM_write_bio_X509(b, cert))
		ossl_fail("writing PEM");
	BIO_free(b);
}
