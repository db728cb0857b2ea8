#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certfactory.h"
#include "lint.h"
#include "testutil.h"

#define DAY 86400L

/* One certificate with one defect: `code` must be reported with `sev`, and
 * the errors and warnings must be exactly `code` plus `also` (codes
 * separated by spaces) — nothing else may be wrong with it. */
struct lcase {
	const char *name;
	struct cf_spec spec;
	int with_key;
	const char *code;
	enum lint_sev sev;
	const char *also;
};

/* Every finding: a sentence, the clients, a fix; nothing beyond LINT_MAX;
 * errors before warnings before notes. */
static void
check_shape(const struct lint_report *r)
{
	cr_assert_leq(r->n, LINT_MAX);
	for (size_t i = 0; i < r->n; i++) {
		const struct lint_finding *f = &r->f[i];
		size_t len = strnlen(f->text, sizeof f->text);

		cr_assert_lt(len, sizeof f->text, "%s: text not terminated", f->code);
		cr_assert_gt(len, 20, "%s: no text", f->code);
		cr_assert(f->text[len - 1] == '.', "%s: \"%s\" is not a sentence", f->code,
			  f->text);
		cr_assert(f->clients != NULL && *f->clients, "%s", f->code);
		cr_assert(f->fix != NULL && *f->fix, "%s", f->code);
		if (i > 0)
			cr_assert_geq(r->f[i - 1].sev, f->sev, "not sorted");
	}
}

static const struct lint_finding *
find(const struct lint_report *r, const char *code)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->f[i].code, code) == 0)
			return &r->f[i];
	return NULL;
}

/* 1 when `code` is a word of the space-separated `list`. */
static int
listed(const char *list, const char *code)
{
	size_t n = strlen(code);

	for (const char *p = list; p != NULL && *p; p += strcspn(p, " ")) {
		p += strspn(p, " ");
		if (strncmp(p, code, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	}
	return 0;
}

/* The errors and warnings of `r` are exactly `want` (space-separated). */
static void
assert_defects(const struct lint_report *r, const char *want)
{
	char buf[256];
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (r->f[i].sev == LINT_INFO)
			continue;
		cr_assert(listed(want, r->f[i].code), "unexpected %s %s: %s",
			  lint_sev_name(r->f[i].sev), r->f[i].code, r->f[i].text);
		n++;
	}
	snprintf(buf, sizeof buf, "%s", want);
	for (char *t = strtok(buf, " "); t != NULL; t = strtok(NULL, " ")) {
		cr_assert(lint_has(r, t), "missing %s", t);
		n--;
	}
	cr_assert_eq(n, 0, "a finding is reported twice");
}

static void
lint_spec(const struct cf_spec *s, int with_key, time_t now, struct lint_report *r)
{
	EVP_PKEY *key = NULL;
	X509 *cert = cf_cert(s, now, with_key ? &key : NULL);

	lint_cert(cert, key, now, r);
	check_shape(r);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/* clang-format off */
static const struct lcase cases[] = {
	/* errors */
	{"no keyUsage", {.ku = ""}, 0, "ku-missing", LINT_ERROR, ""},
	{"RSA KU without digitalSignature",
	 {.ku = "critical,keyEncipherment"}, 0, "ku-no-signing",
	 LINT_ERROR, ""},
	{"RSA KU without keyEncipherment",
	 {.ku = "critical,digitalSignature,keyAgreement"}, 0,
	 "ku-no-encryption", LINT_ERROR, ""},
	{"EC KU without digitalSignature",
	 {.key = CF_EC, .ku = "critical,keyAgreement"}, 0,
	 "ku-no-signing", LINT_ERROR, ""},
	{"EC KU without keyAgreement",
	 {.key = CF_EC, .ku = "critical,digitalSignature,keyEncipherment"},
	 0, "ku-no-encryption", LINT_ERROR, ""},
	{"no extendedKeyUsage", {.eku = ""}, 0, "eku-missing",
	 LINT_ERROR, ""},
	{"EKU without emailProtection", {.eku = "clientAuth,codeSigning"},
	 0, "eku-no-email", LINT_ERROR, ""},
	{"no address", {.san = ""}, 0, "addr-missing", LINT_ERROR, ""},
	{"expired", {.not_before = -800 * DAY}, 0, "expired",
	 LINT_ERROR, ""},
	{"not yet valid", {.not_before = DAY}, 0, "not-yet-valid",
	 LINT_ERROR, ""},
	{"RSA 1024", {.bits = 1024}, 0, "rsa-small", LINT_ERROR, ""},
	{"RSA 2047", {.bits = 2047}, 0, "rsa-small", LINT_ERROR, ""},
	{"EC P-192", {.key = CF_EC, .curve = "P-192"}, 0,
	 "ec-curve-weak", LINT_ERROR, ""},
	{"EC P-224", {.key = CF_EC, .curve = "P-224"}, 0,
	 "ec-curve-weak", LINT_ERROR, ""},
	{"EC secp160r1", {.key = CF_EC, .curve = "secp160r1"}, 0,
	 "ec-curve-weak", LINT_ERROR, ""},
	{"CA:TRUE", {.bc = "critical,CA:TRUE"}, 0, "ca-true",
	 LINT_ERROR, ""},
	{"key of another certificate", {.other_key = 1}, 1,
	 "key-mismatch", LINT_ERROR, ""},
	{"MD5 signature", {.md = "MD5"}, 0, "sig-md5",
	 LINT_ERROR, ""},
	{"self-signature by another key", {.bad_signer = 1}, 0,
	 "sig-invalid", LINT_ERROR, ""},
	{"undecodable keyUsage", {.bad_ku = 1}, 0, "ext-invalid",
	 LINT_ERROR, ""},
	/* warnings */
	{"SHA-1 signature", {.md = "SHA1"}, 0, "sig-sha1", LINT_WARNING,
	 ""},
	{"keyUsage not critical",
	 {.ku = "digitalSignature,keyEncipherment"}, 0,
	 "ku-not-critical", LINT_WARNING, ""},
	{"addresses differing in case",
	 {.san = "email:alice@example.org,email:bob@example.org,"
		 "email:Alice@Example.ORG"},
	 0, "addr-case-dup", LINT_WARNING, ""},
	{"address only in the subject",
	 {.san = "", .subject_email = "alice@example.org"}, 0,
	 "addr-subject-only", LINT_WARNING, ""},
	{"display name in the address",
	 {.san = "email:Alice <alice@example.org>"}, 0,
	 "addr-malformed", LINT_WARNING, ""},
	{"address without domain", {.san = "email:alice@"}, 0,
	 "addr-malformed", LINT_WARNING, ""},
	{"anyExtendedKeyUsage only", {.eku = "anyExtendedKeyUsage"}, 0,
	 "eku-any", LINT_WARNING, ""},
	{"Ed25519 key", {.key = CF_ED25519}, 0, "key-type",
	 LINT_WARNING, ""},
	{"RSA-PSS key", {.key = CF_RSA_PSS}, 0, "key-type",
	 LINT_WARNING, ""},
	{"EC secp256k1", {.key = CF_EC, .curve = "secp256k1"}, 0,
	 "ec-curve-unsupported", LINT_WARNING, ""},
	{"EC brainpoolP256r1", {.key = CF_EC, .curve = "brainpoolP256r1"},
	 0, "ec-curve-unsupported", LINT_WARNING, ""},
	/* notes */
	{"826 days", {.days = 826}, 0, "validity-long", LINT_INFO, ""},
	{"10 days left", {.not_before = -700 * DAY, .days = 710}, 0,
	 "expires-soon", LINT_INFO, ""},
	{"self-signed", {0}, 0, "self-signed", LINT_INFO, ""},
	{"issued by a CA", {.issuer_cn = "Family CA"}, 0, "ca-issued",
	 LINT_INFO, ""},
	{"EC P-256", {.key = CF_EC}, 0, "ec-old-clients", LINT_INFO, ""},
	{"EC P-384", {.key = CF_EC, .curve = "P-384"}, 0,
	 "ec-old-clients", LINT_INFO, ""},
	{"RSA 2048", {.bits = 2048}, 0, "rsa-2048", LINT_INFO, ""},
	{"no common name", {.cn = ""}, 0, "name-missing", LINT_INFO, ""},
};
/* clang-format on */
#define N_CASES (sizeof cases / sizeof cases[0])

/* Criterion copies parameters into a fresh process where pointers into the
 * parent mean nothing, so the parameter is an index into `cases`. */
ParameterizedTestParameters(lint, one_defect)
{
	static size_t idx[N_CASES];

	for (size_t i = 0; i < N_CASES; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, N_CASES);
}

ParameterizedTest(size_t *i, lint, one_defect)
{
	const struct lcase *c = &cases[*i];
	struct cf_spec spec = c->spec;
	struct lint_report r;
	const struct lint_finding *f;
	char want[128];

	/* RSA 3072 takes seconds to generate; unless the size is the point,
	 * 2048 (a note, not a defect) will do. */
	if ((spec.key == CF_RSA || spec.key == CF_RSA_PSS) && spec.bits == 0)
		spec.bits = 2048;
	lint_spec(&spec, c->with_key, time(NULL), &r);
	f = find(&r, c->code);
	cr_assert_not_null(f, "%s: no %s finding", c->name, c->code);
	cr_assert_eq(f->sev, c->sev, "%s: %s is %s", c->name, c->code, lint_sev_name(f->sev));
	snprintf(want, sizeof want, "%s %s", c->sev == LINT_INFO ? "" : c->code, c->also);
	assert_defects(&r, want);
}

/* Infos of `r` are exactly `want`. */
static void
assert_notes(const struct lint_report *r, const char *want)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (r->f[i].sev != LINT_INFO)
			continue;
		cr_assert(listed(want, r->f[i].code), "unexpected note %s: %s", r->f[i].code,
			  r->f[i].text);
		n++;
	}
	for (const char *p = want; *p; p += strcspn(p, " "), p += strspn(p, " "))
		n--;
	cr_assert_eq(n, 0, "notes %s expected", want);
}

/* The DESIGN.md profile is clean: no errors, no warnings. */
Test(lint, profile_rsa3072_clean)
{
	struct lint_report r;

	lint_spec(&(struct cf_spec){.key = CF_RSA, .bits = 3072}, 1, time(NULL), &r);
	cr_assert_eq(lint_count(&r, LINT_ERROR), 0);
	cr_assert_eq(lint_count(&r, LINT_WARNING), 0);
	assert_notes(&r, "self-signed");
}

Test(lint, profile_p256_clean)
{
	struct lint_report r;

	lint_spec(&(struct cf_spec){.key = CF_EC, .curve = "P-256"}, 1, time(NULL), &r);
	cr_assert_eq(lint_count(&r, LINT_ERROR), 0);
	cr_assert_eq(lint_count(&r, LINT_WARNING), 0);
	assert_notes(&r, "self-signed ec-old-clients");
}

Test(lint, validity_825_days_is_not_long)
{
	struct lint_report r;

	lint_spec(&(struct cf_spec){.key = CF_EC, .days = 825}, 0, time(NULL), &r);
	cr_assert_not(lint_has(&r, "validity-long"));
	lint_spec(&(struct cf_spec){.key = CF_EC, .days = 826}, 0, time(NULL), &r);
	cr_assert(lint_has(&r, "validity-long"));
}

/* The same certificate, examined at different times. */
Test(lint, time_of_examination)
{
	struct cf_spec s = {.key = CF_EC};
	time_t now = time(NULL);
	X509 *cert = cf_cert(&s, now, NULL);
	struct lint_report r;

	lint_cert(cert, NULL, now - 60, &r);
	assert_defects(&r, "not-yet-valid");
	lint_cert(cert, NULL, now + 725 * DAY, &r);
	assert_defects(&r, "");
	cr_assert(lint_has(&r, "expires-soon"));
	lint_cert(cert, NULL, now + 731 * DAY, &r);
	assert_defects(&r, "expired");
	cr_assert_not(lint_has(&r, "expires-soon"));
	X509_free(cert);
}

/* Replace the last byte of every sha256WithRSAEncryption OID in the DER, so
 * that the signature algorithm is 1.2.840.113549.1.1.127: unknown. */
static X509 *
unknown_sig_alg(X509 *cert)
{
	static const unsigned char oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					    0xf7, 0x0d, 0x01, 0x01, 0x0b};
	unsigned char *der = NULL;
	const unsigned char *p;
	int len = i2d_X509(cert, &der), hits = 0;
	X509 *out;

	cr_assert_gt(len, 0);
	for (int i = 0; i + (int)sizeof oid <= len; i++)
		if (memcmp(der + i, oid, sizeof oid) == 0) {
			der[i + sizeof oid - 1] = 0x7f;
			hits++;
		}
	cr_assert_eq(hits, 2);
	p = der;
	out = d2i_X509(NULL, &p, len);
	cr_assert_not_null(out);
	OPENSSL_free(der);
	return out;
}

Test(lint, unknown_signature_algorithm)
{
	X509 *good = cf_cert(&(struct cf_spec){.bits = 2048}, time(NULL), NULL);
	X509 *odd = unknown_sig_alg(good);
	struct lint_report r;

	lint_cert(odd, NULL, time(NULL), &r);
	check_shape(&r);
	assert_defects(&r, "sig-unknown");
	cr_assert(strstr(find(&r, "sig-unknown")->text, "1.2.840.113549.1.1.127"));
	cr_assert_eq(find(&r, "sig-unknown")->sev, LINT_WARNING);
	X509_free(good);
	X509_free(odd);
}

/* A version 1 certificate: no extensions at all. */
Test(lint, v1_certificate)
{
	struct lint_report r;

	lint_spec(&(struct cf_spec){.key = CF_EC, .v1 = 1}, 1, time(NULL), &r);
	assert_defects(&r, "ku-missing eku-missing addr-missing");
	lint_spec(&(struct cf_spec){.key = CF_EC, .v1 = 1, .subject_email = "alice@example.org"}, 1,
		  time(NULL), &r);
	assert_defects(&r, "ku-missing eku-missing addr-subject-only");
}

/* An X509 with nothing filled in, and no certificate at all. */
Test(lint, empty_certificate)
{
	X509 *cert = X509_new();
	EVP_PKEY *key = cf_key(&(struct cf_spec){.key = CF_EC});
	struct lint_report r;

	cr_assert_not_null(cert);
	lint_cert(cert, key, time(NULL), &r);
	check_shape(&r);
	cr_assert(lint_has(&r, "key-unreadable"));
	cr_assert(lint_has(&r, "validity-unreadable"));
	cr_assert(lint_has(&r, "sig-unknown"));
	cr_assert(lint_has(&r, "addr-missing"));
	cr_assert_eq(find(&r, "key-unreadable")->sev, LINT_ERROR);
	cr_assert_eq(find(&r, "validity-unreadable")->sev, LINT_ERROR);
	lint_cert(NULL, key, time(NULL), &r);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.f[0].code, "cert-none");
	cr_assert_eq(r.f[0].sev, LINT_ERROR);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/* lint leaves the caller's OpenSSL error queue as it found it. */
Test(lint, error_queue_untouched)
{
	struct lint_report r;
	X509 *cert = X509_new();

	ERR_clear_error();
	ERR_raise_data(ERR_LIB_USER, 42, "marker");
	lint_spec(&(struct cf_spec){.key = CF_EC, .other_key = 1, .bad_ku = 1}, 1, time(NULL), &r);
	assert_defects(&r, "key-mismatch ext-invalid");
	lint_cert(cert, NULL, time(NULL), &r);
	cr_assert_eq(ERR_GET_REASON(ERR_get_error()), 42);
	cr_assert_eq(ERR_get_error(), 0);
	X509_free(cert);
}

/* Many defects at once: every one reported once, errors first. */
Test(lint, many_defects)
{
	struct cf_spec s = {
		.bits = 1024,
		.md = "SHA1",
		.ku = "keyAgreement",
		.eku = "serverAuth",
		.bc = "CA:TRUE",
		.san = "email:a@example.org,email:A@example.org,email:x y",
		.cn = "",
		.not_before = -900 * DAY,
		.days = 850,
		.other_key = 1,
	};
	struct lint_report r;

	lint_spec(&s, 1, time(NULL), &r);
	assert_defects(&r, "rsa-small sig-sha1 ku-not-critical ku-no-signing "
			   "ku-no-encryption eku-no-email ca-true expired "
			   "addr-case-dup addr-malformed key-mismatch");
	assert_notes(&r, "self-signed validity-long name-missing");
	cr_assert_eq(lint_count(&r, LINT_ERROR), 7);
	cr_assert_eq(lint_count(&r, LINT_WARNING), 4);
	cr_assert_eq(lint_count(&r, LINT_INFO), 3);
	cr_assert_eq(r.f[0].sev, LINT_ERROR);
	cr_assert_eq(r.f[r.n - 1].sev, LINT_INFO);
}

/* Hostile addresses: long, with control bytes, hundreds of them. */
Test(lint, hostile_addresses)
{
	char san[20000], *p = san;
	struct lint_report r;
	const struct lint_finding *f;

	p += sprintf(p, "email:");
	memset(p, 'a', 400);
	p += 400;
	p += sprintf(p, "@example.org,email:\x07\x1b[2J@example.org");
	for (int i = 0; i < 300; i++)
		p += sprintf(p, ",email:u%d@example.org", i);
	lint_spec(&(struct cf_spec){.key = CF_EC, .san = san}, 0, time(NULL), &r);
	assert_defects(&r, "addr-malformed");
	f = find(&r, "addr-malformed");
	cr_assert(strstr(f->text, "??[2J@example.org"), "%s", f->text);
	for (const char *c = f->text; *c; c++)
		cr_assert(*c >= 0x20 && *c < 0x7f);
}

Test(lint, corpus_ca_issued)
{
	char path[4096];
	struct lint_report r;
	X509 *cert;
	EVP_PKEY *own, *other;
	BIO *b;

	snprintf(path, sizeof path, "%s/hiraoka-smime_mail_samples/certs/smime-1.crt", tu_corpus());
	cr_assert_not_null(b = BIO_new_file(path, "r"));
	cr_assert_not_null(cert = PEM_read_bio_X509(b, NULL, NULL, NULL));
	BIO_free(b);
	snprintf(path, sizeof path, "%s/hiraoka-smime_mail_samples/certs/smime-1.key", tu_corpus());
	cr_assert_not_null(b = BIO_new_file(path, "r"));
	cr_assert_not_null(own = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL));
	BIO_free(b);
	snprintf(path, sizeof path, "%s/hiraoka-smime_mail_samples/certs/smime-2.key", tu_corpus());
	cr_assert_not_null(b = BIO_new_file(path, "r"));
	cr_assert_not_null(other = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL));
	BIO_free(b);

	/* 2024-09-01: inside the validity period (2024-08-17 .. 2094) */
	lint_cert(cert, own, 1725148800, &r);
	check_shape(&r);
	assert_defects(&r, "");
	assert_notes(&r, "ca-issued rsa-2048 validity-long");
	cr_assert(strstr(find(&r, "ca-issued")->text, "\"CA 20240817143342\""));
	lint_cert(cert, other, 1725148800, &r);
	assert_defects(&r, "key-mismatch");
	lint_cert(cert, NULL, 1700000000, &r); /* 2023-11: before notBefore */
	assert_defects(&r, "not-yet-valid");
	cr_assert(strstr(find(&r, "not-yet-valid")->text, "2024-08-17"));
	X509_free(cert);
	EVP_PKEY_free(own);
	EVP_PKEY_free(other);
}

Test(lint, helpers)
{
	struct lint_report r = {0};

	cr_assert_str_eq(lint_sev_name(LINT_ERROR), "error");
	cr_assert_str_eq(lint_sev_name(LINT_WARNING), "warning");
	cr_assert_str_eq(lint_sev_name(LINT_INFO), "info");
	cr_assert_eq(lint_count(&r, LINT_ERROR), 0);
	cr_assert_not(lint_has(&r, "expired"));
}

/* A CA used for mail: what lint_chain says about it. */
struct chain_case {
	const char *bc, *ku, *nc;
	long ca_days;
	const char *want; /* the one code expected, or NULL for none */
};

Test(lint, chain_findings)
{
	static const struct chain_case chain_cases[] = {
		{"critical,CA:TRUE,pathlen:0", "critical,keyCertSign,cRLSign",
		 "critical,permitted;email:alice@example.org", 3650, NULL},
		{"critical,CA:TRUE,pathlen:0", "critical,keyCertSign", NULL, 3650,
		 "ca-no-nameconstraints"},
		{"critical,CA:TRUE", "critical,keyCertSign",
		 "critical,permitted;email:alice@example.org", 3650, "ca-no-pathlen"},
		{"critical,CA:TRUE,pathlen:0", "critical,cRLSign",
		 "critical,permitted;email:alice@example.org", 3650, "ca-no-certsign"},
		{"critical,CA:TRUE,pathlen:0", "critical,keyCertSign",
		 "critical,permitted;email:bob@example.org", 3650, "ca-nc-outside"},
		{"critical,CA:TRUE,pathlen:0", "critical,keyCertSign",
		 "critical,permitted;email:alice@example.org", 100, "ca-outlived"},
		{"critical,CA:FALSE", "critical,keyCertSign",
		 "critical,permitted;email:alice@example.org", 3650, "ca-not-ca"},
	};
	struct cf_spec leaf_spec = {.key = CF_EC, .issuer_cn = "Alice Example (mail CA)"};
	X509 *leaf = cf_cert(&leaf_spec, tu_now(), NULL);

	for (size_t i = 0; i < sizeof chain_cases / sizeof chain_cases[0]; i++) {
		struct cf_spec s = {.key = CF_EC,
				    .cn = "Alice Example (mail CA)",
				    .bc = chain_cases[i].bc,
				    .ku = chain_cases[i].ku,
				    .nc = chain_cases[i].nc,
				    .eku = "",
				    .san = "",
				    .days = chain_cases[i].ca_days};
		X509 *ca = cf_cert(&s, tu_now(), NULL);
		struct lint_report r = {0};

		lint_chain(leaf, ca, tu_now(), &r);
		if (chain_cases[i].want == NULL)
			cr_assert_eq(r.n, 0, "case %zu: %s", i, r.n ? r.f[0].code : "");
		else
			cr_assert(lint_has(&r, chain_cases[i].want) && r.n == 1,
				  "case %zu: %zu findings, %s", i, r.n, r.n ? r.f[0].code : "none");
		X509_free(ca);
	}
	X509_free(leaf);
}
