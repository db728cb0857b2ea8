/* p12: the two backup forms built and read back, every real client's file
 * in the corpus, refusals with their exact sentences, a read-back failure
 * that removes the file, and backup/restore in real homes through the
 * operations (which save, and undo on failure). */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "certfactory.h"
#include "checklist.h"
#include "cred.h"
#include "fileio.h"
#include "fpr.h"
#include "ident.h"
#include "isotime.h"
#include "op.h"
#include "p12.h"
#include "state.h"
#include "testutil.h"

#define PASS  "correct horse battery staple"
#define PASS2 "another good passphrase 42"

/* --- helpers --------------------------------------------------------------- */

static X509 *
mkcert(enum cf_key kind, const char *cn, const char *san, EVP_PKEY **key)
{
	struct cf_spec s = {.key = kind, .bits = 2048, .cn = cn, .san = san};

	return cf_cert(&s, time(NULL), key);
}

static unsigned char *
build(X509 *cert, EVP_PKEY *key, STACK_OF(X509) * chain, enum p12_compat c, const char *pass,
      size_t *len)
{
	struct err e = ERR_INIT;
	unsigned char *der;

	cr_assert_eq(p12_build(cert, key, chain, "Alice Example", pass, c, &der, len, &e), 0, "%s",
		     e.msg);
	return der;
}

/* DER of a hand-made PKCS12 (tests of what padseal never writes). */
static unsigned char *
to_der(PKCS12 *p12, size_t *len)
{
	unsigned char *der = NULL;
	int n;

	cr_assert_not_null(p12);
	n = i2d_PKCS12(p12, &der);
	cr_assert_gt(n, 0);
	PKCS12_free(p12);
	*len = (size_t)n;
	return der;
}

/* p12_open must refuse with a message containing `want`. */
static void
refused(const unsigned char *buf, size_t len, const char *pass, const char *want)
{
	struct err e = ERR_INIT;
	struct p12_cred c;

	cr_assert_eq(p12_open(buf, len, pass, "in.p12", &c, &e), -1, "opened, wanted: %s", want);
	cr_assert(strstr(e.msg, want) != NULL, "\"%s\" not in: %s", want, e.msg);
	cr_assert_null(c.cert);
	cr_assert_null(c.key);
}

/* Each bag carries friendlyName `name`, and key and certificate share one
 * localKeyID. */
static void
check_attrs(const unsigned char *der, size_t len, const char *pass, const char *name)
{
	const unsigned char *p = der;
	PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
	STACK_OF(PKCS7) *safes = PKCS12_unpack_authsafes(p12);
	ASN1_OCTET_STRING *ids[2] = {NULL, NULL};
	int n = 0;

	for (int i = 0; i < sk_PKCS7_num(safes); i++) {
		PKCS7 *p7 = sk_PKCS7_value(safes, i);
		STACK_OF(PKCS12_SAFEBAG) *bags = OBJ_obj2nid(p7->type) == NID_pkcs7_data ?
							 PKCS12_unpack_p7data(p7) :
							 PKCS12_unpack_p7encdata(p7, pass, -1);

		cr_assert_not_null(bags);
		for (int j = 0; j < sk_PKCS12_SAFEBAG_num(bags); j++) {
			PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, j);
			const ASN1_TYPE *id = PKCS12_SAFEBAG_get0_attr(bag, NID_localKeyID);
			char *fn = PKCS12_get_friendlyname(bag);

			cr_assert_not_null(fn, "a bag without friendlyName");
			cr_assert_str_eq(fn, name);
			OPENSSL_free(fn);
			cr_assert_not_null(id, "a bag without localKeyID");
			cr_assert_lt(n, 2);
			ids[n++] = ASN1_OCTET_STRING_dup(id->value.octet_string);
		}
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	}
	cr_assert_eq(n, 2, "key and certificate bags");
	cr_assert_eq(ASN1_OCTET_STRING_cmp(ids[0], ids[1]), 0, "localKeyIDs differ");
	ASN1_OCTET_STRING_free(ids[0]);
	ASN1_OCTET_STRING_free(ids[1]);
	sk_PKCS7_pop_free(safes, PKCS7_free);
	PKCS12_free(p12);
}

/* --- the two forms -------------------------------------------------------- */

Test(p12, both_forms_round_trip)
{
	static const struct {
		enum p12_compat compat;
		enum cf_key key;
		const char *algs;
	} cases[] = {
		{P12_LEGACY, CF_RSA,
		 "key pbeWithSHA1And3-KeyTripleDES-CBC; certificates pbeWithSHA1And3-KeyTripleDES-CBC; MAC SHA1"},
		{P12_MODERN, CF_RSA,
		 "key PBES2 hmacWithSHA256 AES-256-CBC; certificates PBES2 hmacWithSHA256 AES-256-CBC; MAC SHA256"},
		{P12_LEGACY, CF_EC, "MAC SHA1"},
		{P12_MODERN, CF_EC, "MAC SHA256"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct err e = ERR_INIT;
		struct p12_cred c;
		EVP_PKEY *key;
		X509 *cert = mkcert(cases[i].key, NULL, NULL, &key);
		size_t len;
		unsigned char *der = build(cert, key, NULL, cases[i].compat, PASS, &len);

		cr_assert_eq(p12_open(der, len, PASS, "b.p12", &c, &e), 0, "case %zu: %s", i,
			     e.msg);
		cr_assert_eq(X509_cmp(c.cert, cert), 0);
		cr_assert_eq(EVP_PKEY_eq(c.key, key), 1);
		cr_assert_eq(sk_X509_num(c.chain), 0);
		cr_assert(c.mac);
		cr_assert_not(c.legacy_provider,
			      "padseal's own forms never need the legacy provider");
		cr_assert_str_eq(c.form, p12_compat_name(cases[i].compat));
		cr_assert(strstr(c.algs, cases[i].algs) != NULL, "case %zu: %s", i, c.algs);
		cr_assert_eq(p12_verify(der, len, PASS, cert, cases[i].compat, &e), 0, "%s", e.msg);
		check_attrs(der, len, PASS, "Alice Example");
		p12_cred_clear(&c);
		OPENSSL_clear_free(der, len);
		X509_free(cert);
		EVP_PKEY_free(key);
	}
}

Test(p12, chain_travels_with_the_credential)
{
	struct err e = ERR_INIT;
	struct p12_cred c;
	EVP_PKEY *key, *cakey;
	X509 *cert = mkcert(CF_EC, NULL, NULL, &key);
	X509 *ca = mkcert(CF_EC, "Test CA", "", &cakey);
	STACK_OF(X509) *chain = sk_X509_new_null();
	size_t len;
	unsigned char *der;

	sk_X509_push(chain, ca);
	der = build(cert, key, chain, P12_LEGACY, PASS, &len);
	cr_assert_eq(p12_open(der, len, PASS, "b.p12", &c, &e), 0, "%s", e.msg);
	cr_assert_eq(X509_cmp(c.cert, cert), 0, "the chain must not be taken for the certificate");
	cr_assert_eq(sk_X509_num(c.chain), 1);
	cr_assert_eq(X509_cmp(sk_X509_value(c.chain, 0), ca), 0);
	p12_cred_clear(&c);
	OPENSSL_clear_free(der, len);
	sk_X509_pop_free(chain, X509_free);
	X509_free(cert);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
}

Test(p12, legacy_passphrase_over_31_bytes_is_warned)
{
	cr_assert_null(p12_pass_warning(P12_LEGACY, "0123456789012345678901234567890"));
	cr_assert_not_null(p12_pass_warning(P12_LEGACY, "01234567890123456789012345678901"));
	cr_assert(strstr(p12_pass_warning(P12_LEGACY, "01234567890123456789012345678901"),
			 "gpgsm") != NULL);
	cr_assert_null(p12_pass_warning(P12_MODERN, "01234567890123456789012345678901"));
	cr_assert(strstr(p12_compat_readers(P12_LEGACY, 0), "gpgsm 2.2") != NULL);
	cr_assert(strstr(p12_compat_readers(P12_LEGACY, 1), "not GnuPG's gpgsm") != NULL);
}

/* --- read-back check -------------------------------------------------------- */

Test(p12, verify_catches_what_is_not_the_backup)
{
	struct err e = ERR_INIT;
	EVP_PKEY *key, *other_key;
	X509 *cert = mkcert(CF_EC, NULL, NULL, &key);
	X509 *other = mkcert(CF_EC, NULL, NULL, &other_key);
	size_t len;
	unsigned char *der = build(cert, key, NULL, P12_LEGACY, PASS, &len);
	unsigned char *bad = OPENSSL_memdup(der, len);

	bad[len / 2] ^= 0x01;
	cr_assert_eq(p12_verify(bad, len, PASS, cert, P12_LEGACY, &e), -1,
		     "a corrupted file passed");
	cr_assert(strstr(e.msg, "the backup does not read back") == e.msg, "%s", e.msg);
	err_clear(&e);
	cr_assert_eq(p12_verify(der, len / 2, PASS, cert, P12_LEGACY, &e), -1, "a cut file passed");
	err_clear(&e);
	cr_assert_eq(p12_verify(der, len, PASS, other, P12_LEGACY, &e), -1);
	cr_assert(strstr(e.msg, "holds a different certificate") != NULL, "%s", e.msg);
	err_clear(&e);
	cr_assert_eq(p12_verify(der, len, PASS, cert, P12_MODERN, &e), -1);
	cr_assert(strstr(e.msg, "not in the modern form") != NULL, "%s", e.msg);
	err_clear(&e);
	cr_assert_eq(p12_verify(der, len, PASS2, cert, P12_LEGACY, &e), -1);
	cr_assert(strstr(e.msg, "the passphrase does not open this file") != NULL, "%s", e.msg);
	OPENSSL_free(bad);
	OPENSSL_clear_free(der, len);
	X509_free(cert);
	X509_free(other);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other_key);
}

/* --- refusals --------------------------------------------------------------- */

Test(p12, damaged_and_foreign_input_is_refused)
{
	EVP_PKEY *key;
	X509 *cert = mkcert(CF_EC, NULL, NULL, &key);
	size_t len, plen, dlen;
	unsigned char *der = build(cert, key, NULL, P12_LEGACY, PASS, &len);
	char *pem = cert_to_pem(cert, &plen);
	unsigned char *cder = cert_to_der(cert, &dlen);
	const ASN1_OCTET_STRING *mac;
	const unsigned char *p = der;
	PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
	unsigned char *at;

	refused(der, 0, PASS, "not a PKCS#12 backup");
	refused(der, len - 40, PASS, "damaged or cut short");
	refused(der, 20, PASS, "damaged or cut short");
	refused((unsigned char *)pem, plen, PASS, "is a PEM text file");
	refused(cder, dlen, PASS, "is a certificate, not a PKCS#12 backup");
	refused((const unsigned char *)"\0\0\0\0garbage", 11, PASS, "not a PKCS#12 backup");
	refused(der, len, PASS2, "the passphrase does not open this file (in.p12)");
	refused(der, len, "", "the passphrase does not open this file");
	/* A changed MAC: the passphrase still opens the key, so it is damage. */
	PKCS12_get0_mac(&mac, NULL, NULL, NULL, p12);
	at = memmem(der, len, ASN1_STRING_get0_data(mac), (size_t)ASN1_STRING_length(mac));
	cr_assert_not_null(at);
	at[3] ^= 0x80;
	refused(der, len, PASS,
		"is damaged: its integrity check (MAC) fails although the passphrase is right");
	at[3] ^= 0x80;
	/* Every single flipped bit is refused or, where it falls on bytes
	 * nobody reads, still yields exactly this credential. */
	for (size_t i = 0; i < len; i += 7) {
		struct err e = ERR_INIT;
		struct p12_cred c;

		der[i] ^= 0x10;
		if (p12_open(der, len, PASS, "in.p12", &c, &e) == 0) {
			cr_assert_eq(X509_cmp(c.cert, cert), 0, "flip at %zu", i);
			cr_assert_eq(EVP_PKEY_eq(c.key, key), 1, "flip at %zu", i);
			p12_cred_clear(&c);
		} else {
			cr_assert(e.msg[0] != '\0' && strchr(e.msg, '\n') == NULL);
		}
		der[i] ^= 0x10;
	}
	PKCS12_free(p12);
	OPENSSL_clear_free(der, len);
	OPENSSL_free(pem);
	OPENSSL_free(cder);
	X509_free(cert);
	EVP_PKEY_free(key);
}

Test(p12, key_without_its_certificate_is_refused)
{
	EVP_PKEY *ka, *kb;
	X509 *a = mkcert(CF_EC, NULL, NULL, &ka), *b = mkcert(CF_EC, NULL, NULL, &kb);
	STACK_OF(X509) *others = sk_X509_new_null();
	unsigned char *der;
	size_t len;

	/* Key A beside certificate B: the "not linked" Keychain failure. */
	sk_X509_push(others, b);
	der = to_der(PKCS12_create(PASS, "x", ka, NULL, others, 0, 0, 0, 0, 0), &len);
	refused(der, len, PASS,
		"the private key in in.p12 matches none of its certificates: the certificate and key are not linked");
	OPENSSL_free(der);
	/* Only certificates. */
	der = to_der(PKCS12_create(PASS, "x", NULL, a, others, 0, 0, 0, 0, 0), &len);
	refused(der, len, PASS, "holds no private key, only certificates");
	OPENSSL_free(der);
	/* Only a key. */
	der = to_der(PKCS12_create(PASS, "x", ka, NULL, NULL, 0, 0, 0, 0, 0), &len);
	refused(der, len, PASS, "holds a private key but no certificate");
	OPENSSL_free(der);
	sk_X509_free(others);
	X509_free(a);
	X509_free(b);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
}

/* A file of bags in this order (certificates and keys), unencrypted safe,
 * SHA-1 MAC. */
static unsigned char *
bags_file(X509 **certs, size_t nc, EVP_PKEY **keys, size_t nk, size_t *len)
{
	STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
	STACK_OF(PKCS7) *safes = NULL;
	PKCS12 *p12;

	/* Keys first: pairing must not depend on position. */
	for (size_t i = 0; i < nk; i++)
		cr_assert_not_null(PKCS12_add_key(&bags, keys[i], 0, 2048,
						  NID_pbe_WithSHA1And3_Key_TripleDES_CBC, PASS));
	for (size_t i = 0; i < nc; i++)
		cr_assert_not_null(PKCS12_add_cert(&bags, certs[i]));
	cr_assert(PKCS12_add_safe(&safes, bags, -1, 0, PASS));
	p12 = PKCS12_add_safes(safes, 0);
	cr_assert(PKCS12_set_mac(p12, PASS, -1, NULL, 0, 2048, EVP_sha1()));
	sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	sk_PKCS7_pop_free(safes, PKCS7_free);
	return to_der(p12, len);
}

Test(p12, pairing_by_public_key)
{
	struct err e = ERR_INIT;
	struct p12_cred c;
	EVP_PKEY *k[3];
	X509 *x[3];
	unsigned char *der;
	size_t len;

	for (int i = 0; i < 3; i++)
		x[i] = mkcert(CF_EC, NULL, NULL, &k[i]);
	/* Certificates C, A, B and key A: A is the credential, C and B chain. */
	{
		X509 *order[3] = {x[2], x[0], x[1]};

		der = bags_file(order, 3, &k[0], 1, &len);
	}
	cr_assert_eq(p12_open(der, len, PASS, "in.p12", &c, &e), 0, "%s", e.msg);
	cr_assert_eq(X509_cmp(c.cert, x[0]), 0);
	cr_assert_eq(sk_X509_num(c.chain), 2);
	cr_assert_str_eq(c.form, "other");
	p12_cred_clear(&c);
	OPENSSL_free(der);
	/* Two whole credentials: refused, it cannot know which is meant. */
	der = bags_file(x, 2, k, 2, &len);
	refused(der, len, PASS, "holds 2 credentials");
	OPENSSL_free(der);
	/* A stray key beside a credential: restored without it, and said. */
	der = bags_file(x, 1, k, 2, &len);
	cr_assert_eq(p12_open(der, len, PASS, "in.p12", &c, &e), 0, "%s", e.msg);
	cr_assert_eq(c.stray_keys, 1);
	cr_assert_eq(X509_cmp(c.cert, x[0]), 0);
	p12_cred_clear(&c);
	OPENSSL_free(der);
	for (int i = 0; i < 3; i++) {
		X509_free(x[i]);
		EVP_PKEY_free(k[i]);
	}
}

/* --- passphrase encodings --------------------------------------------------- */

Test(p12, empty_passphrase_in_both_encodings)
{
	struct err e = ERR_INIT;
	struct p12_cred c;
	EVP_PKEY *key;
	X509 *cert = mkcert(CF_EC, NULL, NULL, &key);
	unsigned char *der;
	size_t len;
	PKCS12 *p12;

	/* NULL: key derivation over zero bytes, not the empty BMPString. */
	p12 = PKCS12_create_ex(NULL, "x", key, cert, NULL, NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
			       NID_pbe_WithSHA1And3_Key_TripleDES_CBC, 2048, -1, 0, NULL, NULL);
	cr_assert(PKCS12_set_mac(p12, NULL, 0, NULL, 0, 2048, EVP_sha1()));
	der = to_der(p12, &len);
	cr_assert_eq(p12_open(der, len, "", "in.p12", &c, &e), 0, "%s", e.msg);
	cr_assert(c.empty_pass);
	p12_cred_clear(&c);
	refused(der, len, PASS, "the passphrase does not open this file");
	OPENSSL_free(der);
	X509_free(cert);
	EVP_PKEY_free(key);
}

Test(p12, non_ascii_passphrase_as_old_openssl_wrote_it)
{
	static const char pass[] = "gr\xc3\xbc\xc3\x9f Gott, liebe Welt"; /* UTF-8 */
	struct err e = ERR_INIT;
	struct p12_cred c;
	EVP_PKEY *key;
	X509 *cert = mkcert(CF_EC, NULL, NULL, &key);
	unsigned char *der, *uni;
	char *latin1;
	int unilen;
	size_t len;

	/* OpenSSL before 1.1.0 took each byte as one character. */
	cr_assert_not_null(OPENSSL_asc2uni(pass, -1, &uni, &unilen));
	latin1 = OPENSSL_uni2utf8(uni, unilen);
	OPENSSL_free(uni);
	der = build(cert, key, NULL, P12_LEGACY, latin1, &len);
	cr_assert_eq(p12_open(der, len, pass, "in.p12", &c, &e), 0, "%s", e.msg);
	cr_assert_eq(X509_cmp(c.cert, cert), 0);
	p12_cred_clear(&c);
	OPENSSL_free(der);
	OPENSSL_free(latin1);
	/* And the UTF-8 form itself, as OpenSSL 3 and NSS write it. */
	der = build(cert, key, NULL, P12_MODERN, pass, &len);
	cr_assert_eq(p12_open(der, len, pass, "in.p12", &c, &e), 0, "%s", e.msg);
	p12_cred_clear(&c);
	OPENSSL_free(der);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/* --- real clients' files ------------------------------------------------------ */

static const struct corpus_case {
	const char *file, *pass, *email, *key;
	int chain, legacy_provider;
	const char *form, *fpr; /* fpr: SHA-256 colon form, or NULL */
} corpus[] = {
	{"hiraoka-smime_mail_samples/certs/smime-1-secret.pfx", "smime1", "smime1@hmailserver.test",
	 "RSA 2048", 1, 1, "other",
	 "97:81:50:1A:8B:A6:47:BA:2C:E4:5E:2F:47:1F:1C:B6:3E:AB:F7:D1:35:EA:C3:47:2E:5E:42:06:2A:6C:E8:F1"},
	{"hiraoka-smime_mail_samples/certs/smime-2-secret.pfx", "smime2", "smime2@hmailserver.test",
	 "RSA 2048", 1, 1, "other",
	 "49:BA:F4:EE:88:A2:3C:BE:04:6B:A3:5A:89:E7:B4:07:DC:A3:F8:84:51:7C:3F:4F:D7:44:BC:3B:22:8B:EB:36"},
	{"thunderbird-comm-central/smime/Alice.p12", "nss", "Alice@example.com", "RSA 2048", 1, 0,
	 "other",
	 "9C:DA:1C:A3:59:C8:9F:6D:88:FF:F1:AB:E3:E4:1A:6A:1E:CD:08:99:2F:74:E9:A5:A5:AF:54:10:78:E8:B7:9B"},
	/* Alice-ec is P-384 (its issuer, also in the file, is P-521). */
	{"thunderbird-comm-central/smime/Alice-ec.p12", "nss", "Alice-ec@example.com", "EC P-384",
	 1, 0, "other",
	 "2E:99:CC:F0:FC:D2:43:2D:2D:BF:D7:09:8D:F6:9B:FC:56:79:8C:34:7E:E0:FD:B7:EC:A9:41:7F:C3:AF:13:F1"},
	{"thunderbird-comm-central/smime/Bob.p12", "nss", "Bob@example.com", "RSA 2048", 1, 0,
	 "other", NULL},
	{"thunderbird-comm-central/smime/Dave.p12", "nss", "Dave@example.com", "RSA 2048", 1, 0,
	 "other", NULL},
	{"thunderbird-comm-central/smime/Eve.p12", "nss", "eve@example.net", "RSA 2048", 1, 0,
	 "other", NULL},
	{"thunderbird-comm-central/smime/Fran.p12", "nss", "Fran@example.com", "RSA 2048", 0, 0,
	 "legacy",
	 "B2:97:A2:87:50:8A:98:3E:85:69:EC:66:19:DE:39:1A:84:F3:AD:99:CD:71:82:1C:69:F3:95:64:7C:EB:E4:52"},
	{"thunderbird-comm-central/smime/Fran-ec.p12", "nss", "Fran-ec@example.com", "EC P-384", 0,
	 0, "legacy", NULL},
	{"thunderbird-comm-central/smime-interop/Fran.p12", "nss", "Fran@example.com", "RSA 2048",
	 0, 0, "legacy", NULL},
	{"thunderbird-comm-central/smime-interop/Fran-ec.p12", "nss", "Fran-ec@example.com",
	 "EC P-384", 0, 0, "legacy", NULL},
	{"thunderbird-comm-central/smime@93266e19/Bob.p12", "nss", "Bob@example.com", "RSA 2048", 1,
	 0, "other", NULL},
	/* NSS 2019: empty passphrase; the MAC verifies over the empty
	 * BMPString with its terminator (OpenSSL's "" form). */
	{"thunderbird-comm-central/smime@33d11da5/Alice.p12", "", "Alice@example.com", "RSA 2048",
	 1, 1, "other", NULL},
	{"thunderbird-comm-central/smime@33d11da5/Bob.p12", "", "Bob@example.com", "RSA 2048", 1, 1,
	 "other", NULL},
};

static unsigned char *
corpus_file(const char *rel, size_t *len, char **path)
{
	if (asprintf(path, "%s/%s", tu_corpus(), rel) < 0)
		cr_assert_fail("out of memory");
	return (unsigned char *)tu_read(*path, len);
}

Test(p12, every_corpus_file_with_its_passphrase)
{
	for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
		const struct corpus_case *k = &corpus[i];
		struct err e = ERR_INIT;
		struct p12_cred c;
		char *path, **emails, desc[32], fpr[FPR_COLON_LEN];
		size_t len, n;
		unsigned char *buf = corpus_file(k->file, &len, &path);

		cr_assert_eq(p12_open(buf, len, k->pass, path, &c, &e), 0, "%s: %s", k->file,
			     e.msg);
		n = cert_emails(c.cert, &emails);
		cr_assert_geq(n, 1, "%s", k->file);
		cr_assert_str_eq(emails[0], k->email, "%s", k->file);
		cert_key_desc(c.cert, desc, sizeof desc);
		cr_assert_str_eq(desc, k->key, "%s: %s", k->file, desc);
		cr_assert(cred_key_matches(c.cert, c.key), "%s", k->file);
		cr_assert_eq(sk_X509_num(c.chain), k->chain, "%s", k->file);
		cr_assert_eq(c.legacy_provider, k->legacy_provider, "%s: %s", k->file, c.algs);
		cr_assert_eq(c.empty_pass, *k->pass == '\0', "%s", k->file);
		cr_assert(c.mac, "%s", k->file);
		cr_assert_str_eq(c.form, k->form, "%s: %s", k->file, c.algs);
		if (k->fpr != NULL) {
			fpr_cert_colon(c.cert, fpr);
			cr_assert_str_eq(fpr, k->fpr, "%s", k->file);
		}
		/* The wrong passphrase is refused with the same sentence. */
		refused(buf, len, "not the passphrase", "the passphrase does not open this file");
		cert_emails_free(emails, n);
		p12_cred_clear(&c);
		free(buf);
		free(path);
	}
}

Test(p12, empty_passphrase_file_with_a_bad_mac_is_refused)
{
	char *path;
	size_t len;
	unsigned char *buf =
		corpus_file("thunderbird-comm-central/smime@33d11da5/Alice.p12", &len, &path);

	/* The MAC value is 20 bytes before the 16-byte salt and the count
	 * at the end of the file (see its MANIFEST: DEB99CB0...). */
	cr_assert_not_null(memmem(buf, len, "\xDE\xB9\x9C\xB0\x16\x3E", 6));
	((unsigned char *)memmem(buf, len, "\xDE\xB9\x9C\xB0\x16\x3E", 6))[2] ^= 1;
	refused(buf, len, "", "is damaged: its integrity check (MAC) fails");
	free(buf);
	free(path);
}

/* --- backup and restore in homes ------------------------------------------------- */

struct tmphome {
	char *base, *dir;
	struct session *s;
};

static time_t now;

static void
home_done(struct tmphome *t)
{
	session_close(t->s);
	t->s = NULL;
}

/* A session on the existing, empty home `name` beside the others. */
static void
home_at(struct tmphome *t, const char *name)
{
	struct err e = ERR_INIT;
	struct home h = {0};

	if (t->base == NULL)
		t->base = tu_tmpdir();
	home_done(t);
	free(t->dir);
	t->dir = path_join(t->base, name);
	cr_assert_eq(home_open(&h, t->dir, HOME_WRITE, &e), 0, "%s", e.msg);
	home_close(&h);
	t->s = session_new(t->dir);
	now = tu_now();
}

/* A fresh session on the same home: no key unlocked yet. */
static void
home_again(struct tmphome *t)
{
	session_close(t->s);
	t->s = session_new(t->dir);
}

/* The checklist as saved, read afresh. */
static struct state *
load_saved(const struct tmphome *t)
{
	struct err e = ERR_INIT;
	struct home h = {0};
	struct state *st;

	cr_assert_eq(home_open(&h, t->dir, HOME_READ, &e), 0, "%s", e.msg);
	cr_assert_eq(state_load(&h, &st, &e), 0, "%s", e.msg);
	home_close(&h);
	return st;
}

static void
status_of(struct tmphome *t, struct checklist *cl)
{
	struct err e = ERR_INIT;
	struct state *st;

	cr_assert_eq(session_begin(t->s, HOME_READ, &st, &e), 0, "%s", e.msg);
	cr_assert_eq(checklist_build(session_home(t->s), st, now, cl, &e), 0, "%s", e.msg);
	session_end(t->s, 1);
}

static void
create(struct tmphome *t, const char *name, const char *email, int replace, struct ident *out)
{
	struct err e = ERR_INIT;
	const char *emails[1] = {email};
	struct op_create req = {{name, emails, 1, "p256", 365, replace, 0, 0}, NULL, now};
	struct tu_pass tp = {{[PASS_NEW_KEY] = PASS}, {0}};
	struct pass_ask ask;

	tu_pass_ask(&ask, &tp);
	cr_assert_eq(op_create(t->s, &req, &ask, out, &e), 0, "%s", e.msg);
}

typedef int (*verify_fn)(const unsigned char *, size_t, const char *, X509 *, enum p12_compat,
			 struct err *);

/* The backup operation; `tp` NULL: the right passphrases. */
static int
backup_ex(struct tmphome *t, const char *file, enum p12_compat compat, int force, int make_dir,
	  verify_fn verify, struct tu_pass *tp, struct p12_backup_done *done, struct err *e)
{
	struct tu_pass dflt = {{[PASS_KEY] = PASS, [PASS_NEW_BACKUP] = PASS2}, {0}};
	struct op_backup req = {file, compat, force, make_dir, now, verify};
	struct pass_ask ask;

	tu_pass_ask(&ask, tp ? tp : &dflt);
	return op_backup(t->s, &req, &ask, done, e);
}

static int
backup(struct tmphome *t, const char *file, enum p12_compat compat, int force, verify_fn verify,
       struct p12_backup_done *done, struct err *e)
{
	return backup_ex(t, file, compat, force, 0, verify, NULL, done, e);
}

/* The restore operation: `pass` opens the file, PASS protects the key in
 * the home.  *plan is what it did; *out (may be NULL) the identity. */
static int
restore_ex(struct tmphome *t, const char *file, const char *pass, int *plan, struct ident *out,
	   struct tu_pass *asked, struct err *e)
{
	struct tu_pass tp = {{[PASS_FILE] = pass, [PASS_NEW_KEY] = PASS}, {0}};
	struct op_restore_res res;
	struct pass_ask ask;
	int rc;

	tu_pass_ask(&ask, &tp);
	rc = op_restore(t->s, file, now, &ask, &res, e);
	*plan = rc == 0 ? res.plan : -1;
	if (rc == 0 && out != NULL) {
		*out = res.id;
		memset(&res.id, 0, sizeof res.id);
	}
	if (rc == 0)
		op_restore_res_clear(&res);
	if (asked != NULL)
		*asked = tp;
	return rc;
}

static int
restore(struct tmphome *t, const char *file, const char *pass, int *plan, struct ident *out,
	struct err *e)
{
	return restore_ex(t, file, pass, plan, out, NULL, e);
}

static struct tmphome th;

static void
fini(void)
{
	home_done(&th);
	if (th.base != NULL)
		tu_rmtree(th.base);
	free(th.base);
	free(th.dir);
	memset(&th, 0, sizeof th);
}

TestSuite(backup, .fini = fini);

Test(backup, writes_checks_and_records)
{
	struct err e = ERR_INIT;
	struct p12_backup_done d;
	struct ident id, cur;
	struct checklist cl;
	struct state *st;
	char *file, *chk, iso[ISO_TIME_LEN];

	home_at(&th, "home");
	create(&th, "Alice Example", "alice@example.org", 0, &id);
	file = path_join(th.base, "alice.p12");
	home_again(&th); /* the key is unlocked from the home */
	cr_assert_eq(backup(&th, file, P12_LEGACY, 0, NULL, &d, &e), 0, "%s", e.msg);
	cr_assert_eq(tu_mode(file), 0600);
	cr_assert_str_eq(d.path, file);
	cr_assert_str_eq(d.hex, id.hex);
	iso_time(now, iso);
	cr_assert_str_eq(d.at, iso);
	cr_assert(d.ec);
	cr_assert_eq(d.n_chain, 1, "the CA form's backup carries the CA certificate");
	cr_assert_null(d.warning);
	st = load_saved(&th);
	{
		const struct st_backup *r = state_backup_newest(st, id.hex);

		cr_assert_not_null(r);
		cr_assert_eq(state_n_backups(st), 1);
		cr_assert_str_eq(r->path, file);
		cr_assert_str_eq(r->compat, "legacy");
		cr_assert_str_eq(r->at, d.at);
		cr_assert_str_eq(r->source, "backup");
	}
	state_free(st);
	/* Never a passphrase in the checklist. */
	chk = path_join(th.dir, STATE_FILE);
	{
		char *text = tu_read(chk, NULL);

		cr_assert_null(strstr(text, PASS2));
		cr_assert_null(strstr(text, PASS));
		free(text);
	}
	free(chk);
	status_of(&th, &cl);
	cr_assert(cl.backed_up && cl.step[STEP_BACKUP]);
	checklist_free(&cl);
	cr_assert_eq(session_begin(th.s, HOME_READ, &st, &e), 0, "%s", e.msg);
	cr_assert_eq(ident_current(session_home(th.s), st, now, &cur, &e), 1);
	session_end(th.s, 1);
	cr_assert(cur.backed_up);
	cr_assert_str_eq(cur.backup_compat, "legacy");
	cr_assert_str_eq(cur.backup_path, file);
	cr_assert_str_eq(cur.backup_at, iso);
	ident_clear(&cur);
	/* Never over an existing file, unless forced; refused before any
	 * passphrase is asked for, the home untouched. */
	{
		struct tu_pass tp = {{[PASS_KEY] = PASS, [PASS_NEW_BACKUP] = PASS2}, {0}};
		char *before = tu_tree_hash(th.dir), *after;

		cr_assert_eq(backup_ex(&th, file, P12_MODERN, 0, 0, NULL, &tp, &d, &e), -1);
		cr_assert(strstr(e.msg,
				 "already exists; padseal does not overwrite it (add --force") !=
				  NULL,
			  "%s", e.msg);
		cr_assert_eq(tu_pass_asked(&tp), 0);
		after = tu_tree_hash(th.dir);
		cr_assert_str_eq(before, after);
		free(before);
		free(after);
	}
	err_clear(&e);
	now += 60;
	cr_assert_eq(backup(&th, file, P12_MODERN, 1, NULL, &d, &e), 0, "%s", e.msg);
	st = load_saved(&th);
	cr_assert_str_eq(state_backup_newest(st, id.hex)->compat, "modern");
	cr_assert_str_eq(state_backup_newest(st, id.hex)->at, d.at);
	cr_assert_eq(state_n_backups(st), 1, "one record per identity and file");
	state_free(st);
	ident_clear(&id);
	free(file);
}

/* The real check on a copy with one byte changed: what a disk that
 * returns other bytes than were written would do. */
static int
corrupting_verify(const unsigned char *der, size_t len, const char *pass, X509 *cert,
		  enum p12_compat compat, struct err *e)
{
	unsigned char *copy = OPENSSL_memdup(der, len);
	int rc;

	copy[len - 30] ^= 0x04;
	rc = p12_verify(copy, len, pass, cert, compat, e);
	OPENSSL_free(copy);
	return rc;
}

Test(backup, failed_read_back_removes_the_file)
{
	struct err e = ERR_INIT;
	struct p12_backup_done d;
	struct state *st;
	char *file, *before, *after;

	home_at(&th, "home");
	create(&th, "Alice Example", "alice@example.org", 0, NULL);
	file = path_join(th.base, "alice.p12");
	before = tu_tree_hash(th.dir);
	cr_assert_eq(backup(&th, file, P12_LEGACY, 0, corrupting_verify, &d, &e), -1);
	cr_assert(strstr(e.msg,
			 "failed its check and was removed, so nothing is backed up: the backup does not read back") !=
			  NULL,
		  "%s", e.msg);
	cr_assert_not(path_exists(file), "the bad file is still there");
	after = tu_tree_hash(th.dir);
	cr_assert_str_eq(before, after, "the checklist recorded a failed backup");
	st = load_saved(&th);
	cr_assert_eq(state_n_backups(st), 0);
	state_free(st);
	free(before);
	free(after);
	free(file);
}

/* --make-dir: the missing folder is made (0700); when the backup then
 * fails, the folder made for it goes too. */
Test(backup, make_dir_and_its_undo)
{
	struct err e = ERR_INIT;
	struct p12_backup_done d;
	char *sub, *file;

	home_at(&th, "home");
	create(&th, "Alice Example", "alice@example.org", 0, NULL);
	sub = path_join(th.base, "new");
	file = path_join(sub, "a.p12");
	cr_assert_eq(backup_ex(&th, file, P12_LEGACY, 0, 0, NULL, NULL, &d, &e), -1);
	cr_assert(strstr(e.msg, "does not exist") != NULL, "%s", e.msg);
	err_clear(&e);
	cr_assert_eq(backup_ex(&th, file, P12_LEGACY, 0, 1, corrupting_verify, NULL, &d, &e), -1);
	cr_assert_not(path_exists(sub), "the folder made for a failed backup stayed");
	err_clear(&e);
	cr_assert_eq(backup_ex(&th, file, P12_LEGACY, 0, 1, NULL, NULL, &d, &e), 0, "%s", e.msg);
	cr_assert_eq(tu_mode(sub), 0700);
	cr_assert_eq(tu_mode(file), 0600);
	free(file);
	free(sub);
}

Test(backup, refusals_before_and_during)
{
	struct err e = ERR_INIT;
	struct p12_backup *b;
	struct p12_backup_done d;
	struct state *st;
	EVP_PKEY *key;
	char *file, *before, *after;

	home_at(&th, "home");
	file = path_join(th.base, "a.p12");
	cr_assert_eq(session_begin(th.s, HOME_READ, &st, &e), 0, "%s", e.msg);
	cr_assert_eq(p12_backup_check(session_home(th.s), st, file, 0, 0, &e), -1);
	session_end(th.s, 1);
	cr_assert(strstr(e.msg, "no credential to back up yet") != NULL, "%s", e.msg);
	err_clear(&e);
	cr_assert_eq(backup(&th, file, P12_LEGACY, 0, NULL, &d, &e), -1);
	cr_assert(strstr(e.msg, "no credential to back up yet") != NULL, "%s", e.msg);
	create(&th, "Alice Example", "alice@example.org", 0, NULL);
	cr_assert_eq(session_begin(th.s, HOME_READ, &st, &e), 0, "%s", e.msg);
	err_clear(&e);
	cr_assert_eq(p12_backup_check(session_home(th.s), st, "/nonexistent/dir/a.p12", 0, 0, &e),
		     -1);
	cr_assert(strstr(e.msg, "the folder /nonexistent/dir does not exist") != NULL, "%s", e.msg);
	err_clear(&e);
	cr_assert_eq(p12_backup_check(session_home(th.s), st, th.base, 0, 0, &e), -1);
	cr_assert(strstr(e.msg, "is a folder") != NULL, "%s", e.msg);
	session_end(th.s, 1);
	/* A wrong passphrase for the key, a weak one for the file: refused
	 * with their codes, nothing written. */
	before = tu_tree_hash(th.dir);
	home_again(&th);
	{
		struct tu_pass tp = {{[PASS_KEY] = PASS2, [PASS_NEW_BACKUP] = PASS2}, {0}};

		err_clear(&e);
		cr_assert_eq(backup_ex(&th, file, P12_LEGACY, 0, 0, NULL, &tp, &d, &e), -1);
		cr_assert(strstr(e.msg, "the passphrase does not unlock your key") != NULL, "%s",
			  e.msg);
		cr_assert_eq(e.code, ERR_BAD_PASS);
		cr_assert_eq(tp.asked[PASS_NEW_BACKUP], 0);
	}
	{
		struct tu_pass tp = {{[PASS_KEY] = PASS, [PASS_NEW_BACKUP] = "short"}, {0}};

		err_clear(&e);
		cr_assert_eq(backup_ex(&th, file, P12_LEGACY, 0, 0, NULL, &tp, &d, &e), -1);
		cr_assert(strstr(e.msg, "too short") != NULL, "%s", e.msg);
		cr_assert_eq(e.code, ERR_WEAK_PASS);
	}
	cr_assert_not(path_exists(file));
	after = tu_tree_hash(th.dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	/* The module: a key that is not the identity's, a weak passphrase. */
	cr_assert_eq(session_begin(th.s, HOME_WRITE, &st, &e), 0, "%s", e.msg);
	{
		struct cf_spec other = {.key = CF_EC};
		EVP_PKEY *k = cf_key(&other);

		err_clear(&e);
		cr_assert_eq(p12_backup_open(session_home(th.s), st, k, &b, &e), -1);
		cr_assert(strstr(e.msg, "the key does not belong to your current certificate") !=
				  NULL,
			  "%s", e.msg);
		EVP_PKEY_free(k);
	}
	err_clear(&e);
	cr_assert_eq(ident_key(session_home(th.s), state_ident_current(st)->hex, PASS2, &key, &e),
		     -1);
	cr_assert_eq(e.code, ERR_BAD_PASS);
	cr_assert(strstr(e.msg, "the passphrase does not unlock your key") != NULL, "%s", e.msg);
	err_clear(&e);
	cr_assert_eq(ident_key(session_home(th.s), state_ident_current(st)->hex, PASS, &key, &e), 0,
		     "%s", e.msg);
	cr_assert_eq(p12_backup_open(session_home(th.s), st, key, &b, &e), 0, "%s", e.msg);
	{
		struct p12_backup_req req = {file, "short", P12_LEGACY, 0, NULL};

		cr_assert_eq(p12_backup_write(b, session_home(th.s), st, &req, now, &d, &e), -1);
		cr_assert(strstr(e.msg, "too short") != NULL, "%s", e.msg);
		cr_assert_eq(e.code, ERR_WEAK_PASS);
		cr_assert_not(path_exists(file));
		cr_assert_eq(state_n_backups(st), 0);
	}
	session_end(th.s, 0);
	/* The identity changed after it was unlocked. */
	create(&th, "Alice Two", "alice@example.org", 1, NULL);
	cr_assert_eq(session_begin(th.s, HOME_WRITE, &st, &e), 0, "%s", e.msg);
	err_clear(&e);
	{
		struct p12_backup_req req = {file, PASS2, P12_LEGACY, 0, NULL};

		cr_assert_eq(p12_backup_write(b, session_home(th.s), st, &req, now, &d, &e), -1);
		cr_assert(strstr(e.msg, "changed while padseal was working") != NULL, "%s", e.msg);
		cr_assert_not(path_exists(file));
	}
	session_end(th.s, 0);
	p12_backup_free(b);
	EVP_PKEY_free(key);
	free(file);
}

/* The checklist cannot be saved: the backup the operation wrote is taken
 * back, and the home is as it was. */
static void
grow_checklist_for(struct tmphome *t, const char *name, const char *email, size_t at_least)
{
	char *chk = path_join(t->dir, STATE_FILE);
	size_t len = 0;

	for (int i = 0; len <= at_least; i++) {
		cr_assert_lt(i, 64, "the checklist does not grow");
		now += 60;
		create(t, name, email, 1, NULL);
		free(tu_read(chk, &len));
	}
	free(chk);
}

static void
grow_checklist(struct tmphome *t, size_t at_least)
{
	grow_checklist_for(t, "Alice Example", "alice@example.org", at_least);
}

static void
limit_files(size_t bytes)
{
	struct rlimit rl = {bytes, bytes};

	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

Test(backup, failed_save_removes_the_new_file)
{
	struct err e = ERR_INIT;
	struct p12_backup_done d;
	char *file, *chk, *before, *after;
	size_t len;

	home_at(&th, "home");
	create(&th, "Alice Example", "alice@example.org", 0, NULL);
	grow_checklist(&th, 4096);
	file = path_join(th.base, "alice.p12");
	chk = path_join(th.dir, STATE_FILE);
	free(tu_read(chk, &len));
	before = tu_tree_hash(th.dir);
	limit_files(len);
	cr_assert_eq(backup(&th, file, P12_LEGACY, 0, NULL, &d, &e), -1, "saving did not fail");
	cr_assert(strstr(e.msg, "disk is full") != NULL && strstr(e.msg, chk) != NULL, "%s", e.msg);
	cr_assert_not(path_exists(file), "a backup the checklist does not know of stayed");
	after = tu_tree_hash(th.dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	free(chk);
	free(file);
}

/* With --force over an existing file, a failure to save the checklist puts
 * the earlier backup back, byte for byte: a failed operation never costs
 * the person a backup they had. */
Test(backup, failed_save_keeps_the_file_it_would_have_replaced)
{
	struct err e = ERR_INIT;
	struct p12_backup_done d;
	char *file, *chk, *old, *now_there;
	size_t len, olen, nlen;

	home_at(&th, "home");
	create(&th, "Alice Example", "alice@example.org", 0, NULL);
	file = path_join(th.base, "alice.p12");
	cr_assert_eq(backup(&th, file, P12_LEGACY, 0, NULL, &d, &e), 0, "%s", e.msg);
	old = tu_read(file, &olen);
	grow_checklist(&th, 4096);
	chk = path_join(th.dir, STATE_FILE);
	free(tu_read(chk, &len));
	limit_files(len);
	cr_assert_eq(backup(&th, file, P12_MODERN, 1, NULL, &d, &e), -1, "saving did not fail");
	cr_assert(strstr(e.msg, "disk is full") != NULL, "%s", e.msg);
	cr_assert(path_exists(file), "the failed backup --force deleted the earlier backup %s",
		  file);
	now_there = tu_read(file, &nlen);
	cr_assert(nlen == olen && memcmp(old, now_there, olen) == 0,
		  "the earlier backup was changed");
	free(now_there);
	free(old);
	free(chk);
	free(file);
}

Test(backup, status_says_when_the_credential_changed_since)
{
	struct err e = ERR_INIT;
	struct p12_backup_done d;
	struct checklist cl;
	char *file;
	int found = 0;

	home_at(&th, "home");
	create(&th, "Alice Example", "alice@example.org", 0, NULL);
	file = path_join(th.base, "a.p12");
	cr_assert_eq(backup(&th, file, P12_LEGACY, 0, NULL, &d, &e), 0, "%s", e.msg);
	now += 3600;
	create(&th, "Alice Example", "alice@example.org", 1, NULL);
	status_of(&th, &cl);
	cr_assert_not(cl.step[STEP_BACKUP]);
	cr_assert_not(cl.backed_up);
	for (size_t i = 0; i < cl.n_problems; i++) {
		found |= cl.problems[i].kind == PROB_BACKUP_STALE &&
			 strcmp(cl.problems[i].date, d.at) == 0;
		cr_assert_neq(cl.problems[i].kind, PROB_NEVER_BACKED_UP);
	}
	cr_assert(found, "no staleness problem");
	checklist_free(&cl);
	free(file);
}

TestSuite(restore, .fini = fini);

Test(restore, round_trip_into_an_empty_home_both_forms)
{
	static const enum p12_compat forms[] = {P12_LEGACY, P12_MODERN};

	home_at(&th, "src");
	create(&th, "Alice Example", "alice@example.org", 0, NULL);
	for (size_t i = 0; i < 2; i++) {
		struct err e = ERR_INIT;
		struct p12_backup_done d;
		struct ident id;
		struct checklist cl;
		struct state *st;
		char name[32], *file, *a, *b, *src, *kp;
		size_t alen, blen, klen;
		int plan;
		X509 *cert;
		EVP_PKEY *key;

		home_at(&th, "src");
		snprintf(name, sizeof name, "b%zu.p12", i);
		file = path_join(th.base, name);
		cr_assert_eq(backup(&th, file, forms[i], 0, NULL, &d, &e), 0, "%s", e.msg);
		src = path_join(th.dir, IDENT_DIR);
		snprintf(name, sizeof name, "dst%zu", i);
		home_at(&th, name);
		cr_assert_eq(restore(&th, file, PASS2, &plan, &id, &e), 0, "%s", e.msg);
		cr_assert_eq(plan, ADOPT_NEW);
		cr_assert_str_eq(id.hex, d.hex);
		cr_assert(id.current);
		/* The very same certificate file, and a key that opens with
		 * the new passphrase and belongs to it. */
		{
			char rel[512];

			snprintf(rel, sizeof rel, "%s/%s/cert.pem", src, id.hex);
			a = tu_read(rel, &alen);
			snprintf(rel, sizeof rel, "%s/" IDENT_DIR "/%s/cert.pem", th.dir, id.hex);
			b = tu_read(rel, &blen);
			cr_assert(alen == blen && memcmp(a, b, alen) == 0, "certificate differs");
			snprintf(rel, sizeof rel, "%s/" IDENT_DIR "/%s/key.pem", th.dir, id.hex);
			kp = strdup(rel);
		}
		{
			char *k = tu_read(kp, &klen);

			cr_assert_eq(cred_key_decrypt(k, klen, PASS, "key", &key, &e), 0, "%s",
				     e.msg);
			cr_assert_eq(cert_parse((unsigned char *)b, blen, "cert", &cert, &e), 0);
			cr_assert(cred_key_matches(cert, key));
			free(k);
		}
		status_of(&th, &cl);
		cr_assert(cl.step[STEP_CREATE] && cl.step[STEP_BACKUP],
			  "the file restored from is a checked backup");
		cr_assert_str_eq(cl.ident.backup_compat, p12_compat_name(forms[i]));
		checklist_free(&cl);
		st = load_saved(&th);
		cr_assert_str_eq(state_ident_current(st)->source, "restore");
		cr_assert_str_eq(state_backup_newest(st, id.hex)->source, "restore");
		state_free(st);
		X509_free(cert);
		EVP_PKEY_free(key);
		ident_clear(&id);
		free(a);
		free(b);
		free(kp);
		free(src);
		free(file);
	}
}

Test(restore, twice_is_a_no_op_and_replacing_archives)
{
	struct err e = ERR_INIT;
	struct p12_backup_done d;
	struct ident id, *list;
	struct state *st;
	struct tu_pass asked;
	size_t n;
	char *file, *before, *after;
	int plan;

	home_at(&th, "src");
	create(&th, "Alice Example", "alice@example.org", 0, NULL);
	file = path_join(th.base, "alice.p12");
	cr_assert_eq(backup(&th, file, P12_LEGACY, 0, NULL, &d, &e), 0, "%s", e.msg);
	/* Into its own home: the same credential, nothing changes, and no
	 * new passphrase is asked for. */
	before = tu_tree_hash(th.dir);
	cr_assert_eq(restore_ex(&th, file, PASS2, &plan, NULL, &asked, &e), 0, "%s", e.msg);
	cr_assert_eq(plan, ADOPT_SAME);
	cr_assert_eq(asked.asked[PASS_NEW_KEY], 0);
	after = tu_tree_hash(th.dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	/* After create --replace the backed-up one is archived here: it is
	 * in the home already, so restoring it changes nothing either. */
	now += 60;
	create(&th, "Alice New", "ALICE@example.org", 1, NULL);
	before = tu_tree_hash(th.dir);
	cr_assert_eq(restore(&th, file, PASS2, &plan, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(plan, ADOPT_ARCHIVED);
	after = tu_tree_hash(th.dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	/* Into another home of the same person (an address in common, in
	 * another case): the current one there is archived. */
	home_at(&th, "other");
	create(&th, "Alice Else", "Alice@Example.org", 0, NULL);
	cr_assert_eq(restore(&th, file, PASS2, &plan, &id, &e), 0, "%s", e.msg);
	cr_assert_eq(plan, ADOPT_REPLACES);
	cr_assert_eq(session_begin(th.s, HOME_READ, &st, &e), 0, "%s", e.msg);
	cr_assert_eq(ident_list(session_home(th.s), st, now, &list, &n, &e), 0);
	session_end(th.s, 1);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(list[0].hex, d.hex);
	cr_assert(list[0].current);
	cr_assert_not(list[1].current);
	cr_assert_str_eq(list[1].reason, "replaced by restore of alice.p12");
	ident_list_free(list, n);
	ident_clear(&id);
	/* A different person's home is refused, untouched, before a new
	 * passphrase is asked for. */
	home_at(&th, "bob");
	create(&th, "Bob", "bob@example.org", 0, NULL);
	before = tu_tree_hash(th.dir);
	err_clear(&e);
	cr_assert_eq(restore_ex(&th, file, PASS2, &plan, NULL, &asked, &e), -1);
	cr_assert(strstr(e.msg, "no address in common") != NULL, "%s", e.msg);
	cr_assert_eq(asked.asked[PASS_NEW_KEY], 0);
	after = tu_tree_hash(th.dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	free(file);
}

Test(restore, wrong_passphrase_leaves_the_home_as_it_was)
{
	struct err e = ERR_INIT;
	struct p12_backup_done d;
	struct tu_pass asked;
	char *file, *before, *after;
	int plan;

	home_at(&th, "src");
	create(&th, "Alice Example", "alice@example.org", 0, NULL);
	file = path_join(th.base, "alice.p12");
	cr_assert_eq(backup(&th, file, P12_MODERN, 0, NULL, &d, &e), 0, "%s", e.msg);
	home_at(&th, "dst");
	before = tu_tree_hash(th.dir);
	cr_assert_eq(restore_ex(&th, file, PASS, &plan, NULL, &asked, &e), -1);
	cr_assert(strstr(e.msg, "the passphrase does not open this file") != NULL, "%s", e.msg);
	cr_assert_eq(e.code, ERR_BAD_PASS);
	cr_assert_eq(asked.asked[PASS_NEW_KEY], 0);
	after = tu_tree_hash(th.dir);
	cr_assert_str_eq(before, after);
	free(before);
	/* A weak passphrase for the key in the home: refused, untouched. */
	{
		struct tu_pass tp = {{[PASS_FILE] = PASS2, [PASS_NEW_KEY] = "short"}, {0}};
		struct op_restore_res res;
		struct pass_ask ask;

		tu_pass_ask(&ask, &tp);
		err_clear(&e);
		cr_assert_eq(op_restore(th.s, file, now, &ask, &res, &e), -1);
		cr_assert(strstr(e.msg, "too short") != NULL, "%s", e.msg);
		cr_assert_eq(e.code, ERR_WEAK_PASS);
		before = tu_tree_hash(th.dir);
		cr_assert_str_eq(before, after);
		free(before);
	}
	free(after);
	free(file);
}

Test(restore, chain_and_empty_passphrase_from_the_corpus)
{
	struct err e = ERR_INIT;
	struct ident id;
	struct checklist cl;
	char *path, *chain;
	size_t len;

	home_at(&th, "h1");
	free(corpus_file("hiraoka-smime_mail_samples/certs/smime-1-secret.pfx", &len, &path));
	{
		struct p12_restore *r;
		unsigned char *buf = (unsigned char *)tu_read(path, &len);
		const char *notes[4];

		cr_assert_eq(p12_restore_open(buf, len, path, "smime1", &r, &e), 0, "%s", e.msg);
		cr_assert_eq(p12_restore_notes(r, notes, 4), 1);
		cr_assert(strstr(notes[0], "legacy provider") != NULL, "%s", notes[0]);
		p12_restore_free(r);
		free(buf);
	}
	{
		struct tu_pass tp = {{[PASS_FILE] = "smime1", [PASS_NEW_KEY] = PASS}, {0}};
		struct op_restore_res res;
		struct pass_ask ask;

		tu_pass_ask(&ask, &tp);
		cr_assert_eq(op_restore(th.s, path, now, &ask, &res, &e), 0, "%s", e.msg);
		cr_assert_eq(res.plan, ADOPT_NEW);
		cr_assert_eq(res.n_notes, 1);
		cr_assert(strstr(res.notes[0], "legacy provider") != NULL, "%s", res.notes[0]);
		cr_assert_eq(res.id.n_chain, 1);
		snprintf(id.hex, sizeof id.hex, "%s", res.id.hex);
		op_restore_res_clear(&res);
	}
	{
		char *cp;

		cr_assert_geq(asprintf(&cp, "%s/" IDENT_DIR "/%s/chain.pem", th.dir, id.hex), 0);
		chain = tu_read(cp, &len);
		cr_assert(strstr(chain, "BEGIN CERTIFICATE") != NULL);
		cr_assert_eq(tu_mode(cp), 0600);
		free(cp);
		free(chain);
	}
	free(path);
	/* The empty-passphrase file restores, but is no backup. */
	home_at(&th, "h2");
	free(corpus_file("thunderbird-comm-central/smime@33d11da5/Bob.p12", &len, &path));
	{
		int plan;

		cr_assert_eq(restore(&th, path, "", &plan, &id, &e), 0, "%s", e.msg);
		cr_assert_eq(plan, ADOPT_NEW);
	}
	cr_assert_not(id.backed_up);
	status_of(&th, &cl);
	cr_assert(cl.step[STEP_CREATE] && !cl.step[STEP_BACKUP]);
	checklist_free(&cl);
	ident_clear(&id);
	free(path);
}

Test(restore, full_disk_leaves_the_home_as_it_was)
{
	struct err e = ERR_INIT;
	char *path, *before, *after;
	size_t len;
	int plan;

	home_at(&th, "h");
	create(&th, "S One", "smime1@hmailserver.test", 0, NULL);
	free(corpus_file("hiraoka-smime_mail_samples/certs/smime-1-secret.pfx", &len, &path));
	before = tu_tree_hash(th.dir);
	limit_files(1024);
	cr_assert_eq(restore(&th, path, "smime1", &plan, NULL, &e), -1);
	cr_assert(strstr(e.msg, "disk is full") != NULL, "%s", e.msg);
	after = tu_tree_hash(th.dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	free(path);
}

/* The checklist cannot be saved: the identity stored from the file is
 * taken back (ident_discard), the one it replaced is current again. */
Test(restore, failed_save_leaves_the_home_as_it_was)
{
	struct err e = ERR_INIT;
	char *path, *chk, *before, *after;
	size_t len;
	int plan;

	home_at(&th, "h");
	create(&th, "S One", "smime1@hmailserver.test", 0, NULL);
	grow_checklist_for(&th, "S One", "smime1@hmailserver.test", 6000);
	free(corpus_file("hiraoka-smime_mail_samples/certs/smime-1-secret.pfx", &len, &path));
	chk = path_join(th.dir, STATE_FILE);
	free(tu_read(chk, &len));
	before = tu_tree_hash(th.dir);
	limit_files(len);
	cr_assert_eq(restore(&th, path, "smime1", &plan, NULL, &e), -1, "saving did not fail");
	cr_assert(strstr(e.msg, "disk is full") != NULL && strstr(e.msg, chk) != NULL, "%s", e.msg);
	after = tu_tree_hash(th.dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	free(chk);
	free(path);
}

/* A file whose `n` key bags each ask for the derivation `big` (made
 * without running it): the key bags' parameters replaced after they were
 * made. */
static unsigned char *
costly_bag_file(X509_ALGOR *big, int n, size_t *len)
{
	STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
	STACK_OF(PKCS7) *safes = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = mkcert(CF_EC, "Alice Example", NULL, &key);
	PKCS12 *p12;

	cr_assert_not_null(big);
	for (int i = 0; i < n; i++) {
		X509_ALGOR *alg = NULL;

		cr_assert_not_null(PKCS12_add_key(&bags, key, 0, 2048,
						  NID_pbe_WithSHA1And3_Key_TripleDES_CBC, PASS));
		X509_SIG_getm((X509_SIG *)(uintptr_t)PKCS12_SAFEBAG_get0_pkcs8(
				      sk_PKCS12_SAFEBAG_value(bags, i)),
			      &alg, NULL);
		cr_assert(X509_ALGOR_copy(alg, big));
	}
	cr_assert_not_null(PKCS12_add_cert(&bags, cert));
	cr_assert(PKCS12_add_safe(&safes, bags, -1, 0, PASS));
	p12 = PKCS12_add_safes(safes, 0);
	sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	sk_PKCS7_pop_free(safes, PKCS7_free);
	X509_ALGOR_free(big);
	X509_free(cert);
	EVP_PKEY_free(key);
	return to_der(p12, len);
}

/* A hostile file that asks for a billion iterations (of the MAC, of a key
 * bag's PBKDF2 or PKCS#12 derivation) or an scrypt beyond the cap is
 * refused before any derivation runs: at that cost each passphrase try
 * would take minutes (this test would not finish). */
Test(p12, hostile_costs_are_refused_before_any_work)
{
	EVP_PKEY *key = NULL;
	X509 *cert = mkcert(CF_EC, "Alice Example", "email:alice@example.org", &key);
	unsigned char *der, *fixed;
	const unsigned char *p;
	const ASN1_INTEGER *iter = NULL;
	PKCS12 *p12;
	size_t len;

	der = build(cert, key, NULL, P12_MODERN, PASS, &len);
	p = der;
	p12 = d2i_PKCS12(NULL, &p, (long)len);
	cr_assert_not_null(p12);
	PKCS12_get0_mac(NULL, NULL, NULL, &iter, p12);
	cr_assert_not_null(iter);
	cr_assert(ASN1_INTEGER_set((ASN1_INTEGER *)(uintptr_t)iter, 1000000000));
	fixed = to_der(p12, &len);
	refused(fixed, len, PASS, "more than 1000000 iterations of its integrity check (MAC)");
	OPENSSL_free(fixed);
	OPENSSL_free(der);

	der = costly_bag_file(PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), 1000000000, NULL, 0, NULL,
						NID_hmacWithSHA256),
			      1, &len);
	refused(der, len, PASS, "more key derivation work than padseal allows");
	OPENSSL_free(der);
	der = costly_bag_file(PKCS5_pbe_set(NID_pbe_WithSHA1And3_Key_TripleDES_CBC, 2147483647,
					    NULL, 0),
			      1, &len);
	refused(der, len, PASS, "more key derivation work than padseal allows");
	OPENSSL_free(der);
	der = costly_bag_file(PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), NULL, 0, NULL, 1 << 14, 8,
						    64),
			      1, &len);
	refused(der, len, PASS, "more key derivation work than padseal allows");
	OPENSSL_free(der);
	/* Each part within the cap, but four of them: too much in all. */
	der = costly_bag_file(PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), 900000, NULL, 0, NULL,
						NID_hmacWithSHA256),
			      4, &len);
	refused(der, len, PASS, "more key derivation work in all than padseal allows");
	OPENSSL_free(der);
	/* What tools write, up to the 600,000 of the most careful, still
	 * opens (and just over the cap does not). */
	der = costly_bag_file(PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), 2048, NULL, 0, NULL,
						NID_hmacWithSHA256),
			      1, &len);
	refused(der, len, PASS, "passphrase does not open");
	OPENSSL_free(der);
	der = costly_bag_file(PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), 600000, NULL, 0, NULL,
						NID_hmacWithSHA256),
			      1, &len);
	refused(der, len, PASS, "passphrase does not open");
	OPENSSL_free(der);
	der = costly_bag_file(PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), 1000001, NULL, 0, NULL,
						NID_hmacWithSHA256),
			      1, &len);
	refused(der, len, PASS, "more key derivation work than padseal allows");
	OPENSSL_free(der);
	X509_free(cert);
	EVP_PKEY_free(key);
}
