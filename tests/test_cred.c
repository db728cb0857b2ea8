/* cred: key generation, the certificate profile, keys at rest, parsing. */
#include "config.h"

#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cred.h"
#include "certfactory.h"
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

/* The personal CA and the mail certificates it issues. */

static X509 *
make_ca(EVP_PKEY **keyp, int days, time_t now)
{
	struct cred_req req = {"Alice Example", two, 2, KEY_P256, days};
	struct err e = ERR_INIT;
	X509 *x;

	cr_assert_eq(cred_keygen(KEY_P256, keyp, &e), 0, "%s", e.msg);
	cr_assert_eq(cred_make_ca(&req, *keyp, now, &x, &e), 0, "%s", e.msg);
	return x;
}

static X509 *
issue(X509 *ca, EVP_PKEY *ca_key, const char *const *emails, size_t n, int days, time_t now,
      EVP_PKEY **keyp, struct err *e)
{
	struct cred_req req = {"Alice Example", emails, n, KEY_RSA2048, days};
	EVP_PKEY *key;
	X509 *x = NULL;

	cr_assert_eq(cred_keygen(KEY_P256, &key, e), 0, "%s", e->msg);
	if (cred_issue(&req, key, ca, ca_key, now, &x, e) != 0)
		cr_assert_null(x);
	if (keyp != NULL && x != NULL)
		*keyp = key;
	else
		EVP_PKEY_free(key);
	return x;
}

static char *
ext_text(X509 *x, int nid)
{
	X509_EXTENSION *ext = X509_get_ext(x, X509_get_ext_by_NID(x, nid, -1));
	BIO *b = BIO_new(BIO_s_mem());
	static char buf[512];
	int n;

	cr_assert_not_null(ext);
	X509V3_EXT_print(b, ext, 0, 0);
	n = BIO_read(b, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	BIO_free(b);
	return buf;
}

Test(cred, ca_profile)
{
	EVP_PKEY *key;
	X509 *ca = make_ca(&key, 3650, tu_now());
	BASIC_CONSTRAINTS *bc;
	NAME_CONSTRAINTS *nc;
	char *cn;
	int crit, pday, psec;

	cn = cert_common_name(ca);
	cr_assert_str_eq(cn, "Alice Example (mail CA)");
	free(cn);
	cr_assert(cred_is_ca(ca));
	cr_assert(cred_self_signed(ca));
	cr_assert_eq(X509_get_ext_count(ca), 4);
	bc = X509_get_ext_d2i(ca, NID_basic_constraints, &crit, NULL);
	cr_assert(bc != NULL && bc->ca && crit == 1);
	cr_assert(bc->pathlen != NULL && ASN1_INTEGER_get(bc->pathlen) == 0);
	BASIC_CONSTRAINTS_free(bc);
	cr_assert_str_eq(ext_text(ca, NID_key_usage), "Certificate Sign, CRL Sign");
	cr_assert(X509_EXTENSION_get_critical(
		X509_get_ext(ca, X509_get_ext_by_NID(ca, NID_key_usage, -1))));
	nc = X509_get_ext_d2i(ca, NID_name_constraints, &crit, NULL);
	cr_assert(nc != NULL && crit == 1);
	cr_assert_null(nc->excludedSubtrees);
	cr_assert_eq(sk_GENERAL_SUBTREE_num(nc->permittedSubtrees), 2);
	for (int i = 0; i < 2; i++) {
		GENERAL_NAME *g = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, i)->base;

		cr_assert_eq(g->type, GEN_EMAIL);
		cr_assert_str_eq((const char *)ASN1_STRING_get0_data(g->d.rfc822Name), two[i]);
	}
	NAME_CONSTRAINTS_free(nc);
	cr_assert_geq(X509_get_ext_by_NID(ca, NID_subject_key_identifier, -1), 0);
	cr_assert(ASN1_TIME_diff(&pday, &psec, X509_get0_notBefore(ca), X509_get0_notAfter(ca)));
	cr_assert_eq(pday, 3650);
	cr_assert(cred_key_matches(ca, key));
	EVP_PKEY_free(key);
	X509_free(ca);
}

Test(cred, ca_name_is_cut_to_fit)
{
	static const char *const one[] = {"a@example.org"};
	char name[65];
	struct cred_req req = {name, one, 1, KEY_P256, 30};
	struct err e = ERR_INIT;
	EVP_PKEY *key;
	X509 *ca;
	char *cn;

	/* 62 ASCII bytes then a two-byte character: the cut keeps it whole. */
	memset(name, 'x', 62);
	strcpy(name + 62, "\xc3\xa9");
	cr_assert_eq(cred_keygen(KEY_P256, &key, &e), 0);
	cr_assert_eq(cred_make_ca(&req, key, tu_now(), &ca, &e), 0, "%s", e.msg);
	cn = cert_common_name(ca);
	cr_assert_eq(strlen(cn), 64);
	cr_assert(strstr(cn, "x (mail CA)") != NULL, "%s", cn);
	free(cn);
	X509_free(ca);
	EVP_PKEY_free(key);
}

/* OpenSSL's own verifier, with only `ca` as anchor, for S/MIME signing. */
static int
openssl_verifies(X509 *leaf, X509 *ca, time_t now)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok;

	X509_STORE_add_cert(store, ca);
	X509_STORE_CTX_init(ctx, store, leaf, NULL);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SMIME_SIGN);
	X509_STORE_CTX_set_time(ctx, 0, now);
	ok = X509_verify_cert(ctx) == 1;
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

Test(cred, issue_profile)
{
	time_t now = tu_now();
	EVP_PKEY *ca_key, *key;
	X509 *ca = make_ca(&ca_key, 3650, now), *leaf;
	struct err e = ERR_INIT;
	ASN1_OCTET_STRING *ca_skid;
	AUTHORITY_KEYID *akid;
	int pday, psec;
	char **emails;
	size_t n;

	leaf = issue(ca, ca_key, two, 2, 730, now, &key, &e);
	cr_assert_not_null(leaf, "%s", e.msg);
	cr_assert(cred_issued_by(leaf, ca));
	cr_assert_not(cred_self_signed(leaf));
	cr_assert_not(cred_is_ca(leaf));
	cr_assert_not(cred_issued_by(ca, leaf));
	cr_assert(cred_key_matches(leaf, key));
	cr_assert_eq(X509_NAME_cmp(X509_get_issuer_name(leaf), X509_get_subject_name(ca)), 0);
	cr_assert_eq(X509_get_ext_count(leaf), 6);
	cr_assert_str_eq(ext_text(leaf, NID_key_usage), "Digital Signature, Key Agreement");
	ca_skid = X509_get_ext_d2i(ca, NID_subject_key_identifier, NULL, NULL);
	akid = X509_get_ext_d2i(leaf, NID_authority_key_identifier, NULL, NULL);
	cr_assert(akid != NULL && akid->keyid != NULL);
	cr_assert_eq(ASN1_OCTET_STRING_cmp(ca_skid, akid->keyid), 0);
	ASN1_OCTET_STRING_free(ca_skid);
	AUTHORITY_KEYID_free(akid);
	cr_assert(
		ASN1_TIME_diff(&pday, &psec, X509_get0_notBefore(leaf), X509_get0_notAfter(leaf)));
	cr_assert_eq(pday, 730);
	n = cert_emails(leaf, &emails);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(emails[0], two[0]);
	cert_emails_free(emails, n);
	cr_assert(openssl_verifies(leaf, ca, now + 60));
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
	X509_free(leaf);
	X509_free(ca);
}

Test(cred, issue_never_outlives_the_ca)
{
	time_t now = tu_now();
	EVP_PKEY *ca_key;
	X509 *ca = make_ca(&ca_key, 100, now), *leaf;
	struct err e = ERR_INIT;

	leaf = issue(ca, ca_key, two, 1, 730, now, NULL, &e);
	cr_assert_not_null(leaf, "%s", e.msg);
	cr_assert_eq(ASN1_TIME_compare(X509_get0_notAfter(leaf), X509_get0_notAfter(ca)), 0);
	X509_free(leaf);
	EVP_PKEY_free(ca_key);
	X509_free(ca);
}

Test(cred, issue_refused)
{
	static const char *const outside[] = {"alice.example@example.org", "mallory@example.org"};
	time_t now = tu_now();
	EVP_PKEY *ca_key, *other_key;
	X509 *ca = make_ca(&ca_key, 30, now), *other = make_ca(&other_key, 30, now), *leaf;
	struct err e = ERR_INIT;

	/* An address the CA does not name (the local part compares exactly). */
	cr_assert_null(issue(ca, ca_key, outside, 2, 10, now, NULL, &e));
	cr_assert(strstr(e.msg, "not allowed to issue for alice.example@example.org") != NULL, "%s",
		  e.msg);
	err_clear(&e);
	cr_assert_null(issue(ca, other_key, two, 1, 10, now, NULL, &e));
	cr_assert_str_eq(e.msg, "the CA key does not belong to the CA certificate");
	err_clear(&e);
	cr_assert_null(issue(ca, ca_key, two, 1, 10, now + 31 * 86400, NULL, &e));
	cr_assert(strstr(e.msg, "has expired") != NULL, "%s", e.msg);
	err_clear(&e);
	leaf = issue(ca, ca_key, two, 1, 10, now, NULL, &e);
	cr_assert_not_null(leaf);
	cr_assert_null(issue(leaf, ca_key, two, 1, 10, now, NULL, &e));
	cr_assert(strstr(e.msg, "not a certificate authority") != NULL, "%s", e.msg);
	/* A leaf from another CA under the same name does not chain to this one. */
	cr_assert_not(cred_issued_by(leaf, other));
	X509_free(leaf);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(other_key);
	X509_free(ca);
	X509_free(other);
}

Test(cred, self_signed_leaf_is_no_ca)
{
	X509 *x = make(KEY_P256, NULL, 30);

	cr_assert(cred_self_signed(x));
	cr_assert_not(cred_is_ca(x));
	cr_assert(cred_ca_permits(x, "anyone@anywhere.example"), "no constraints permit all");
	X509_free(x);
}

struct nc_case {
	const char *addr;
	int ok;
};

Test(cred, ca_permits_rfc822_subtrees)
{
	static const struct nc_case cases[] = {
		{"bob@Example.COM", 1},     /* mailbox, host ignoring case */
		{"Bob@example.com", 0},     /* local part exactly */
		{"carol@example.com", 0},   /* another mailbox at that host */
		{"anyone@host.example", 1}, /* host */
		{"anyone@sub.host.example", 0},
		{"x@a.domain.example", 1}, /* .domain: hosts under it */
		{"x@domain.example", 0},
		{"x@bad.domain.example", 0}, /* excluded wins */
		{"nobody", 0},
	};
	struct cf_spec s = {.key = CF_EC,
			    .bc = "critical,CA:TRUE,pathlen:0",
			    .ku = "critical,keyCertSign",
			    .eku = "",
			    .san = ""};
	X509 *ca;

	s.nc = "critical,permitted;email:bob@example.com,permitted;email:host.example,"
	       "permitted;email:.domain.example,excluded;email:bad.domain.example";
	ca = cf_cert(&s, tu_now(), NULL);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_assert_eq(cred_ca_permits(ca, cases[i].addr), cases[i].ok, "%s", cases[i].addr);
	X509_free(ca);
}

Test(cred, chain_stray)
{
	time_t now = tu_now();
	EVP_PKEY *ca_key, *other_key;
	X509 *ca = make_ca(&ca_key, 30, now), *other = make_ca(&other_key, 30, now), *leaf;
	STACK_OF(X509) *chain = sk_X509_new_null();
	struct err e = ERR_INIT;

	leaf = issue(ca, ca_key, two, 1, 10, now, NULL, &e);
	cr_assert_not_null(leaf, "%s", e.msg);
	cr_assert_null(cred_chain_stray(leaf, chain), "an empty chain links");
	sk_X509_push(chain, other);
	cr_assert_eq(cred_chain_stray(leaf, chain), other, "another CA under the same name");
	sk_X509_push(chain, ca);
	cr_assert_eq(cred_chain_stray(leaf, chain), other);
	(void)sk_X509_shift(chain);
	cr_assert_null(cred_chain_stray(leaf, chain));
	sk_X509_free(chain);
	X509_free(leaf);
	X509_free(ca);
	X509_free(other);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(other_key);
}
