/* cred: key generation, the certificate profile, keys at rest, parsing. */
#include "config.h"

#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cred.h"
#include "lint.h"
#include "testutil.h"

static const char *const two[] = {"Alice.Example@Example.org", "alice@second.example.net"};

static X509 *
make(enum key_type t, EVP_PKEY **keyp, int days)
{
	struct cred_req req = {"Alice Example", two, 2, t, days};
	struct err e = ERR_INIT;
	EVP_PKEY *key;
	X509 *x;

	cr_assert_eq(cred_keygen(t, &key, &e), 0, "%s", e.msg);
	cr_assert_eq(cred_make_cert(&req, key, time(NULL), &x, &e), 0, "%s", e.msg);
	if (keyp)
		*keyp = key;
	else
		EVP_PKEY_free(key);
	return x;
}

Test(cred, key_type_names)
{
	enum key_type t;

	cr_assert_eq(key_type_parse("rsa3072", &t), 0);
	cr_assert_eq(t, KEY_RSA3072);
	cr_assert_eq(key_type_parse("P384", &t), 0);
	cr_assert_eq(t, KEY_P384);
	cr_assert_eq(key_type_parse("rsa1024", &t), -1);
	cr_assert_eq(key_type_parse("", &t), -1);
	cr_assert_str_eq(key_type_name(KEY_DEFAULT), "rsa3072");
	cr_assert(strstr(key_type_help(KEY_RSA3072), "recommended") != NULL);
}

static void
check_profile(enum key_type t, const char *ku_want)
{
	EVP_PKEY *key;
	X509 *x = make(t, &key, 730);
	BASIC_CONSTRAINTS *bc;
	EXTENDED_KEY_USAGE *eku;
	ASN1_OCTET_STRING *skid;
	AUTHORITY_KEYID *akid;
	GENERAL_NAMES *san;
	BIGNUM *serial;
	int crit, pday, psec;
	struct lint_report r;
	char **emails;
	size_t n;

	cr_assert_eq(X509_get_version(x), X509_VERSION_3);
	serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	cr_assert(!BN_is_negative(serial) && !BN_is_zero(serial));
	cr_assert_leq(BN_num_bits(serial), 128);
	cr_assert_geq(BN_num_bits(serial), 64,
		      "a 128-bit random serial this short is (nearly) impossible");
	BN_free(serial);
	cr_assert_eq(X509_get_signature_nid(x), EVP_PKEY_is_a(key, "RSA") ?
							NID_sha256WithRSAEncryption :
						t == KEY_P384 ? NID_ecdsa_with_SHA384 :
								NID_ecdsa_with_SHA256);
	/* Subject: CN only, issuer = subject. */
	cr_assert_eq(X509_NAME_entry_count(X509_get_subject_name(x)), 1);
	cr_assert_eq(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
	/* Exactly six extensions. */
	cr_assert_eq(X509_get_ext_count(x), 6);
	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	cr_assert(bc != NULL && !bc->ca && crit == 1);
	BASIC_CONSTRAINTS_free(bc);
	{
		ASN1_BIT_STRING *ku = X509_get_ext_d2i(x, NID_key_usage, &crit, NULL);
		BIO *b = BIO_new(BIO_s_mem());
		X509_EXTENSION *ext = X509_get_ext(x, X509_get_ext_by_NID(x, NID_key_usage, -1));
		char buf[256] = "";

		cr_assert(ku != NULL && crit == 1);
		X509V3_EXT_print(b, ext, 0, 0);
		BIO_read(b, buf, sizeof buf - 1);
		cr_assert_str_eq(buf, ku_want);
		BIO_free(b);
		ASN1_BIT_STRING_free(ku);
	}
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
	cr_assert(eku != NULL && crit == 0);
	cr_assert_eq(sk_ASN1_OBJECT_num(eku), 1);
	cr_assert_eq(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)), NID_email_protect);
	EXTENDED_KEY_USAGE_free(eku);
	san = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
	cr_assert(san != NULL && crit == 0 && sk_GENERAL_NAME_num(san) == 2);
	GENERAL_NAMES_free(san);
	n = cert_emails(x, &emails);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(emails[0], "Alice.Example@Example.org", "case kept, main address first");
	cr_assert_str_eq(emails[1], "alice@second.example.net");
	cert_emails_free(emails, n);
	skid = X509_get_ext_d2i(x, NID_subject_key_identifier, NULL, NULL);
	akid = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL);
	cr_assert(skid != NULL && akid != NULL && akid->keyid != NULL);
	cr_assert_eq(ASN1_OCTET_STRING_cmp(skid, akid->keyid), 0);
	ASN1_OCTET_STRING_free(skid);
	AUTHORITY_KEYID_free(akid);
	cr_assert(ASN1_TIME_diff(&pday, &psec, X509_get0_notBefore(x), X509_get0_notAfter(x)));
	cr_assert_eq(pday, 730);
	cr_assert_eq(psec, 0);
	cr_assert(cred_key_matches(x, key));
	lint_cert(x, key, time(NULL), &r);
	cr_assert_eq(lint_count(&r, LINT_ERROR), 0);
	cr_assert_eq(lint_count(&r, LINT_WARNING), 0);
	EVP_PKEY_free(key);
	X509_free(x);
}

Test(cred, profile_rsa)
{
	check_profile(KEY_RSA2048, "Digital Signature, Key Encipherment");
}

Test(cred, profile_p256)
{
	check_profile(KEY_P256, "Digital Signature, Key Agreement");
}

Test(cred, profile_p384)
{
	check_profile(KEY_P384, "Digital Signature, Key Agreement");
}

Test(cred, serials_differ)
{
	X509 *a = make(KEY_P256, NULL, 30), *b = make(KEY_P256, NULL, 30);

	cr_assert_neq(ASN1_INTEGER_cmp(X509_get0_serialNumber(a), X509_get0_serialNumber(b)), 0);
	X509_free(a);
	X509_free(b);
}

struct bad_req {
	const char *name;
	const char *email1, *email2;
	int days;
	const char *msg;
};

Test(cred, requests_refused)
{
	static const struct bad_req cases[] = {
		{"", "a@example.org", NULL, 730, "a name is needed"},
		{"A name that is far too long to fit into the common name of a certificate",
		 "a@example.org", NULL, 730, "too long"},
		{"Tab\there", "a@example.org", NULL, 730, "control character"},
		{"Ann", NULL, NULL, 730, "address is needed"},
		{"Ann", "Ann <a@example.org>", NULL, 730, "--name \"Ann\" --email a@example.org"},
		{"Ann", "a@example.org", "A@EXAMPLE.ORG", 730, "given twice"},
		{"Ann", "a@example.org", NULL, 0, "between 1 and"},
		{"Ann", "a@example.org", NULL, CRED_MAX_DAYS + 1, "between 1 and"},
		{"Ann <a@example.org>", "a@example.org", NULL, 730, "contains an address"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *emails[2] = {cases[i].email1, cases[i].email2};
		struct cred_req req = {cases[i].name, emails,
				       cases[i].email2 ? 2 :
				       cases[i].email1 ? 1 :
							 0,
				       KEY_P256, cases[i].days};
		struct err e = ERR_INIT;

		cr_assert_eq(cred_req_check(&req, &e), -1, "case %zu accepted", i);
		cr_assert(strstr(e.msg, cases[i].msg) != NULL, "case %zu: \"%s\" lacks \"%s\"", i,
			  e.msg, cases[i].msg);
	}
}

Test(cred, key_at_rest)
{
	EVP_PKEY *key, *back;
	X509 *x = make(KEY_P256, &key, 30);
	struct err e = ERR_INIT;
	char *pem;
	size_t len;

	cr_assert_eq(cred_key_encrypt(key, "correct horse battery", &pem, &len, &e), 0, "%s",
		     e.msg);
	cr_assert(strncmp(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) == 0);
	cr_assert(strstr(pem, "BEGIN PRIVATE KEY") == NULL);
	/* scrypt + AES-256-CBC inside PBES2 */
	{
		BIO *b = BIO_new_mem_buf(pem, (int)len);
		X509_SIG *sig = PEM_read_bio_PKCS8(b, NULL, NULL, NULL);
		const X509_ALGOR *alg;
		PBE2PARAM *p2;

		X509_SIG_get0(sig, &alg, NULL);
		cr_assert_eq(OBJ_obj2nid(alg->algorithm), NID_pbes2);
		p2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
		cr_assert_eq(OBJ_obj2nid(p2->keyfunc->algorithm), NID_id_scrypt);
		cr_assert_eq(OBJ_obj2nid(p2->encryption->algorithm), NID_aes_256_cbc);
		PBE2PARAM_free(p2);
		X509_SIG_free(sig);
		BIO_free(b);
	}
	cr_assert_eq(cred_key_decrypt(pem, len, "correct horse battery", "the key", &back, &e), 0,
		     "%s", e.msg);
	cr_assert(cred_key_matches(x, back));
	EVP_PKEY_free(back);

	err_clear(&e);
	cr_assert_eq(cred_key_decrypt(pem, len, "wrong horse battery", "the key", &back, &e), -1);
	cr_assert_str_eq(e.msg, "the passphrase does not unlock the key");
	cr_assert_null(back);

	err_clear(&e);
	cr_assert_eq(cred_key_decrypt(pem, len / 2, "correct horse battery", "the key", &back, &e),
		     -1);
	cr_assert(strstr(e.msg, "damaged") != NULL, "%s", e.msg);

	OPENSSL_free(pem);
	EVP_PKEY_free(key);
	X509_free(x);
}

Test(cred, key_matching)
{
	EVP_PKEY *k1, *k2;
	X509 *x1 = make(KEY_P256, &k1, 30), *x2 = make(KEY_P256, &k2, 30);

	cr_assert(cred_key_matches(x1, k1));
	cr_assert_not(cred_key_matches(x1, k2));
	cr_assert_not(cred_key_matches(x2, k1));
	cr_assert_not(cred_key_matches(x1, NULL));
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	X509_free(x1);
	X509_free(x2);
}

static void
parse_fails(const void *buf, size_t len, const char *want)
{
	struct err e = ERR_INIT;
	X509 *x = NULL;

	cr_assert_eq(cert_parse(buf, len, "input", &x, &e), -1, "parsed: %s", want);
	cr_assert_null(x);
	cr_assert(strstr(e.msg, want) != NULL, "\"%s\" lacks \"%s\"", e.msg, want);
}

Test(cred, parse_any_encoding)
{
	X509 *x = make(KEY_P256, NULL, 30), *y;
	struct err e = ERR_INIT;
	size_t plen, dlen;
	char *pem = cert_to_pem(x, &plen);
	unsigned char *der = cert_to_der(x, &dlen);
	char *texty;

	cr_assert_eq(cert_parse((unsigned char *)pem, plen, "pem", &y, &e), 0);
	cr_assert_eq(X509_cmp(x, y), 0);
	X509_free(y);
	cr_assert_eq(cert_parse(der, dlen, "der", &y, &e), 0);
	cr_assert_eq(X509_cmp(x, y), 0);
	X509_free(y);
	cr_assert(asprintf(&texty, "Subject: someone\r\nnotes before\r\n%s\ntrailing\n", pem) > 0);
	cr_assert_eq(cert_parse((unsigned char *)texty, strlen(texty), "texty", &y, &e), 0);
	X509_free(y);
	free(texty);

	parse_fails(pem, plen / 2, "damaged certificate");
	parse_fails(der, dlen / 2, "not a certificate");
	parse_fails("garbage that is not a certificate at all", 40, "not a certificate");
	parse_fails("\0\0\0\0\0\0\0\0", 8, "not a certificate");
	{
		unsigned char *d2 = malloc(dlen + 3);

		memcpy(d2, der, dlen);
		memcpy(d2 + dlen, "xyz", 3);
		parse_fails(d2, dlen + 3, "not a certificate");
		free(d2);
	}
	{
		EVP_PKEY *k;
		BIO *b = BIO_new(BIO_s_mem());
		BUF_MEM *m;

		cr_assert_eq(cred_keygen(KEY_P256, &k, &e), 0);
		PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
		BIO_get_mem_ptr(b, &m);
		parse_fails(m->data, m->length, "private key, not a certificate");
		BIO_free(b);
		EVP_PKEY_free(k);
	}
	OPENSSL_free(pem);
	OPENSSL_free(der);
	X509_free(x);
}

Test(cred, emails_from_subject_when_no_san)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	char **emails;
	size_t count;

	X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_ASC, (const unsigned char *)"Old",
				   -1, -1, 0);
	X509_NAME_add_entry_by_NID(n, NID_pkcs9_emailAddress, MBSTRING_ASC,
				   (const unsigned char *)"old@example.org", -1, -1, 0);
	count = cert_emails(x, &emails);
	cr_assert_eq(count, 1);
	cr_assert_str_eq(emails[0], "old@example.org");
	cert_emails_free(emails, count);
	X509_free(x);
}
