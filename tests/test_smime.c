/* smime and matrix: every kind of message composed for RSA and EC (P-256,
 * P-384) pairs and taken apart again with OpenSSL's own CMS API — headers,
 * CRLF, line widths, micalg against the digest, issuerAndSerialNumber,
 * SMIMECapabilities, the recipients (peer and self), both keys opening the
 * envelope — then the header encodings, the refusals with their sentences,
 * the sender from a real home, the introduction, and `matrix send` (the
 * operations, which save; the modules, which leave saving to them). */
#include "config.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certfactory.h"
#include "fileio.h"
#include "cred.h"
#include "fpr.h"
#include "ident.h"
#include "isotime.h"
#include "matrix.h"
#include "mimeout.h"
#include "op.h"
#include "peer.h"
#include "session.h"
#include "smime.h"
#include "state.h"
#include "testutil.h"

#define PASS "correct horse battery staple"
#define TEXT \
	"Hello Sam,\n\nthis is a test.\nFrom here on: caf\xc3\xa9 = 1, a line with a trailing space \nend\n"

/* --- helpers --------------------------------------------------------------- */

struct pair {
	X509 *a, *b; /* alice (sender), sam (recipient) */
	EVP_PKEY *ka, *kb;
};

static void
make_pair(enum cf_key kind, const char *curve, struct pair *p)
{
	struct cf_spec a = {.key = kind, .bits = 2048, .curve = curve};
	struct cf_spec b = {.key = kind,
			    .bits = 2048,
			    .curve = curve,
			    .cn = "Sam Tester",
			    .san = "email:sam@example.org"};

	p->a = cf_cert(&a, time(NULL), &p->ka);
	p->b = cf_cert(&b, time(NULL), &p->kb);
}

static void
free_pair(struct pair *p)
{
	X509_free(p->a);
	X509_free(p->b);
	EVP_PKEY_free(p->ka);
	EVP_PKEY_free(p->kb);
}

static char *
compose(const struct pair *p, enum cell_kind k, const char *text, size_t *len)
{
	struct smime_msg m = {
		.kind = k,
		.from_name = "Alice Example",
		.from = "alice@example.org",
		.to_name = "Sam Tester",
		.to = "sam@example.org",
		.subject = "padseal test",
		.date = time(NULL),
		.cert = p->a,
		.key = p->ka,
		.recipient = p->b,
	};
	struct err e = ERR_INIT;
	char *msg;

	cr_assert_eq(smime_compose_mem(&m, text, &msg, len, &e), 0, "%s (%s)", e.msg, e.detail);
	cr_assert_eq(strlen(msg), *len);
	return msg;
}

/* Every line ends CRLF, no bare CR or LF, none longer than 76. */
static void
assert_lines(const char *msg, size_t len)
{
	size_t col = 0, line = 1;

	for (size_t i = 0; i < len; i++) {
		if (msg[i] == '\r') {
			cr_assert(i + 1 < len && msg[i + 1] == '\n', "bare CR in line %zu", line);
			cr_assert_leq(col, MIMEOUT_B64_COLS, "line %zu has %zu characters", line,
				      col);
			i++;
			line++;
			col = 0;
			continue;
		}
		cr_assert_neq(msg[i], '\n', "bare LF in line %zu", line);
		col++;
	}
	cr_assert_eq(col, 0, "the message does not end with CRLF");
}

/* The unfolded value of a top-level header field, or NULL. */
static char *
header(const char *msg, const char *name)
{
	size_t n = strlen(name);
	const char *end = strstr(msg, "\r\n\r\n");

	for (const char *p = msg; p && p < end; p = strstr(p, "\r\n") + 2) {
		if (strncmp(p, name, n) == 0 && p[n] == ':') {
			char *v = calloc(1, 1024), *o = v;

			for (p += n + 2; !(p[0] == '\r' && p[2] != ' ' && p[2] != '\t'); p++)
				if (*p != '\r' && *p != '\n')
					*o++ = *p;
			return v;
		}
	}
	return NULL;
}

/* Quoted-printable decoding, written here so the test does not trust
 * padseal's own reader. */
static char *
qp_decode(const char *s, size_t n)
{
	char *out = calloc(1, n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
		} else if (s[i] == '=' && i + 2 < n) {
			unsigned v;

			cr_assert_eq(sscanf(s + i + 1, "%2x", &v), 1);
			*o++ = (char)v;
			i += 2;
		} else if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			*o++ = '\n';
			i++;
		} else {
			*o++ = s[i];
		}
	}
	return out;
}

/* The text of a text/plain entity (header block, blank line, QP body). */
static void
assert_text_entity(const char *ent, size_t n, const char *want)
{
	const char *body = strstr(ent, "\r\n\r\n");
	char *got;

	cr_assert_not_null(body);
	cr_assert(strncmp(ent,
			  "Content-Type: text/plain; charset=utf-8\r\n"
			  "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
			  (size_t)(body - ent) + 4) == 0,
		  "not the text entity: %.*s", (int)(body - ent), ent);
	body += 4;
	got = qp_decode(body, n - (size_t)(body - ent));
	cr_assert_str_eq(got, want);
	free(got);
}

static CMS_ContentInfo *
read_smime(const char *msg, size_t len, BIO **cont)
{
	BIO *in = BIO_new_mem_buf(msg, (int)len);
	CMS_ContentInfo *cms = SMIME_read_CMS(in, cont);

	cr_assert_not_null(cms, "OpenSSL cannot read the message");
	BIO_free(in);
	return cms;
}

static char *
bio_text(BIO *b, size_t *n)
{
	char *data, *s;
	long len = BIO_get_mem_data(b, &data);

	s = calloc(1, (size_t)len + 1);
	memcpy(s, data, (size_t)len);
	*n = (size_t)len;
	return s;
}

/* When not 0, the time certificates are checked at by verify() (else the
 * clock's). */
static time_t verify_at;

/* Verify a multipart/signed message with `signer` as the only trust
 * anchor; returns the signed entity's bytes and checks the SignerInfo. */
static char *
verify(const char *msg, size_t len, X509 *signer, int md_nid, size_t *n)
{
	BIO *cont = NULL, *out = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms = read_smime(msg, len, &cont);
	X509_STORE *store = X509_STORE_new();
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	X509_ALGOR *dig = NULL;
	STACK_OF(X509) * certs;
	int found = 0;
	char *s;

	cr_assert_not_null(cont, "not detached");
	cr_assert_eq(sk_CMS_SignerInfo_num(sis), 1);
	si = sk_CMS_SignerInfo_value(sis, 0);
	cr_assert_eq(CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial), 1);
	cr_assert_null(keyid, "the signer is named by subjectKeyIdentifier");
	cr_assert_not_null(issuer);
	cr_assert_eq(X509_NAME_cmp(issuer, X509_get_issuer_name(signer)), 0);
	cr_assert_eq(ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(signer)), 0);
	cr_assert_geq(CMS_signed_get_attr_by_NID(si, NID_SMIMECapabilities, -1), 0,
		      "no SMIMECapabilities");
	cr_assert_geq(CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1), 0,
		      "no signingTime");
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	cr_assert_eq(OBJ_obj2nid(dig->algorithm), md_nid);
	certs = CMS_get1_certs(cms);
	cr_assert_not_null(certs, "no certificate in the signature");
	for (int j = 0; j < sk_X509_num(certs); j++)
		found |= X509_cmp(sk_X509_value(certs, j), signer) == 0;
	cr_assert(found, "the signer's certificate is not in the signature");
	sk_X509_pop_free(certs, X509_free);
	X509_STORE_add_cert(store, signer);
	/* The signer itself is the anchor, whatever issued it. */
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	if (verify_at != 0)
		X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), verify_at);
	cr_assert_eq(CMS_verify(cms, NULL, store, cont, out, CMS_BINARY), 1,
		     "the signature does not verify");
	s = bio_text(out, n);
	BIO_free(out);
	BIO_free(cont);
	X509_STORE_free(store);
	CMS_ContentInfo_free(cms);
	return s;
}

/* The recipients of an envelope are exactly `a` and `b`, by issuer and
 * serial; the content is AES-256-CBC. */
static void
assert_recipients(CMS_ContentInfo *cms, X509 *a, X509 *b)
{
	STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
	int hit[2] = {0, 0};
	BIO *txt = BIO_new(BIO_s_mem());
	size_t n;
	char *s;

	cr_assert_eq(sk_CMS_RecipientInfo_num(ris), 2);
	for (int i = 0; i < 2; i++) {
		CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(ris, i);
		ASN1_OCTET_STRING *keyid = NULL;
		X509_NAME *issuer = NULL;
		ASN1_INTEGER *serial = NULL;

		if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_TRANS) {
			X509_ALGOR *alg;

			cr_assert_eq(CMS_RecipientInfo_ktri_get0_signer_id(ri, &keyid, &issuer,
									   &serial),
				     1);
			CMS_RecipientInfo_ktri_get0_algs(ri, NULL, NULL, &alg);
			cr_assert_eq(OBJ_obj2nid(alg->algorithm), NID_rsaEncryption,
				     "not PKCS#1 v1.5");
			hit[0] |= CMS_RecipientInfo_ktri_cert_cmp(ri, a) == 0;
			hit[1] |= CMS_RecipientInfo_ktri_cert_cmp(ri, b) == 0;
		} else {
			STACK_OF(CMS_RecipientEncryptedKey) * reks;
			CMS_RecipientEncryptedKey *rek;

			cr_assert_eq(CMS_RecipientInfo_type(ri), CMS_RECIPINFO_AGREE);
			reks = CMS_RecipientInfo_kari_get0_reks(ri);
			cr_assert_eq(sk_CMS_RecipientEncryptedKey_num(reks), 1);
			rek = sk_CMS_RecipientEncryptedKey_value(reks, 0);
			cr_assert_eq(CMS_RecipientEncryptedKey_get0_id(rek, &keyid, NULL, NULL,
								       &issuer, &serial),
				     1);
			hit[0] |= CMS_RecipientEncryptedKey_cert_cmp(rek, a) == 0;
			hit[1] |= CMS_RecipientEncryptedKey_cert_cmp(rek, b) == 0;
		}
		cr_assert_null(keyid, "a recipient is named by subjectKeyIdentifier");
		cr_assert_not_null(issuer);
		cr_assert_not_null(serial);
	}
	cr_assert(hit[0] && hit[1], "the envelope is not for the peer and the sender");
	CMS_ContentInfo_print_ctx(txt, cms, 0, NULL);
	s = bio_text(txt, &n);
	cr_assert_not_null(strstr(s, "aes-256-cbc"), "the content is not AES-256-CBC");
	free(s);
	BIO_free(txt);
}

/* Decrypt with `key`, returning the inner entity. */
static char *
decrypt(const char *msg, size_t len, X509 *cert, EVP_PKEY *key, size_t *n)
{
	BIO *out = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms = read_smime(msg, len, NULL);
	char *s;

	cr_assert_eq(CMS_decrypt(cms, key, cert, NULL, out, CMS_BINARY), 1, "does not decrypt");
	s = bio_text(out, n);
	BIO_free(out);
	CMS_ContentInfo_free(cms);
	return s;
}

static void
assert_headers(const char *msg)
{
	char *v;

	v = header(msg, "From");
	cr_assert_str_eq(v, "\"Alice Example\" <alice@example.org>");
	free(v);
	v = header(msg, "To");
	cr_assert_str_eq(v, "\"Sam Tester\" <sam@example.org>");
	free(v);
	v = header(msg, "Subject");
	cr_assert_str_eq(v, "padseal test");
	free(v);
	v = header(msg, "MIME-Version");
	cr_assert_str_eq(v, "1.0");
	free(v);
	v = header(msg, "Date");
	cr_assert_not_null(v);
	cr_assert(strlen(v) == 31 && strcmp(v + 25, " +0000") == 0, "date %s", v);
	free(v);
	v = header(msg, "Message-ID");
	cr_assert_not_null(v);
	cr_assert_eq(strlen(v), 1 + 32 + strlen("@example.org>"), "message-id %s", v);
	cr_assert_str_eq(v + 33, "@example.org>");
	free(v);
}

/* --- every kind for every key type --------------------------------------- */

struct keycase {
	enum cf_key key;
	const char *curve;
	int md;
	const char *micalg;
};
static const struct keycase keycases[] = {
	{CF_RSA, NULL, NID_sha256, "sha-256"},
	{CF_EC, "P-256", NID_sha256, "sha-256"},
	{CF_EC, "P-384", NID_sha384, "sha-384"},
};

ParameterizedTestParameters(compose, kinds)
{
	static size_t idx[] = {0, 1, 2};

	return cr_make_param_array(size_t, idx, 3);
}

ParameterizedTest(size_t *i, compose, kinds)
{
	const struct keycase *kc = &keycases[*i];
	struct pair p;
	char *msg, *ct, *inner, *ent, want[64];
	size_t len, n, m;

	make_pair(kc->key, kc->curve, &p);

	/* plain */
	msg = compose(&p, KIND_PLAIN, TEXT, &len);
	assert_lines(msg, len);
	assert_headers(msg);
	assert_text_entity(strstr(msg, "Content-Type:"),
			   len - (size_t)(strstr(msg, "Content-Type:") - msg), TEXT);
	free(msg);

	/* signed */
	msg = compose(&p, KIND_SIGNED, TEXT, &len);
	assert_lines(msg, len);
	assert_headers(msg);
	ct = header(msg, "Content-Type");
	snprintf(want, sizeof want, "micalg=%s;", kc->micalg);
	cr_assert(strncmp(ct, "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=",
			  65) == 0,
		  "%s", ct);
	cr_assert_not_null(strstr(ct, want), "%s", ct);
	free(ct);
	ent = verify(msg, len, p.a, kc->md, &n);
	assert_text_entity(ent, n, TEXT);
	free(ent);
	free(msg);

	/* encrypted: both keys open it */
	msg = compose(&p, KIND_ENCRYPTED, TEXT, &len);
	assert_lines(msg, len);
	assert_headers(msg);
	ct = header(msg, "Content-Type");
	cr_assert_str_eq(ct, "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m");
	free(ct);
	ct = header(msg, "Content-Disposition");
	cr_assert_str_eq(ct, "attachment; filename=smime.p7m");
	free(ct);
	{
		BIO *c = NULL;
		CMS_ContentInfo *cms = read_smime(msg, len, &c);

		assert_recipients(cms, p.a, p.b);
		CMS_ContentInfo_free(cms);
	}
	inner = decrypt(msg, len, p.b, p.kb, &n);
	assert_text_entity(inner, n, TEXT);
	free(inner);
	inner = decrypt(msg, len, p.a, p.ka, &n);
	assert_text_entity(inner, n, TEXT);
	free(inner);
	free(msg);

	/* signed and encrypted: the envelope holds the multipart/signed */
	msg = compose(&p, KIND_SIGNED_ENCRYPTED, TEXT, &len);
	assert_lines(msg, len);
	assert_headers(msg);
	for (int who = 0; who < 2; who++) {
		inner = decrypt(msg, len, who ? p.a : p.b, who ? p.ka : p.kb, &n);
		assert_lines(inner, n);
		cr_assert(strncmp(inner, "Content-Type: multipart/signed;", 31) == 0, "%.60s",
			  inner);
		ent = verify(inner, n, p.a, kc->md, &m);
		assert_text_entity(ent, m, TEXT);
		free(ent);
		free(inner);
	}
	free(msg);
	free_pair(&p);
}

/* A tampered signed message no longer verifies (the test can fail). */
Test(compose, tamper_breaks_signature)
{
	struct pair p;
	size_t len;
	char *msg, *at;
	BIO *cont = NULL, *out = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms;
	X509_STORE *store = X509_STORE_new();

	make_pair(CF_RSA, NULL, &p);
	msg = compose(&p, KIND_SIGNED, TEXT, &len);
	at = strstr(msg, "this is a test");
	at[0] = 'T';
	cms = read_smime(msg, len, &cont);
	X509_STORE_add_cert(store, p.a);
	cr_assert_eq(CMS_verify(cms, NULL, store, cont, out, CMS_BINARY), 0);
	BIO_free(cont);
	BIO_free(out);
	X509_STORE_free(store);
	CMS_ContentInfo_free(cms);
	free(msg);
	free_pair(&p);
}

/* --- quoted-printable and the text ----------------------------------------- */

struct textcase {
	const char *in, *out; /* out NULL: same as in, with LF */
	const char *raw;      /* must occur in the encoded body, or NULL */
};
static const struct textcase texts[] = {
	{"plain ASCII\n", NULL, "plain ASCII\r\n"},
	{"From the start\nnot From here\n", NULL, "=46rom the start\r\nnot From here\r\n"},
	{"trailing space \ntrailing tab\t\n", NULL, "space=20\r\ntrailing tab=09\r\n"},
	{"no newline at the end ", NULL, "end=20"},
	{"a=b\n", NULL, "a=3Db\r\n"},
	{"CRLF\r\nand CR\rand LF\n", "CRLF\nand CR\nand LF\n", "CRLF\r\nand CR\r\nand LF\r\n"},
	{"\xe2\x82\xac 100\n", NULL, "=E2=82=AC 100"},
	{"", NULL, NULL},
	{"x\n\n\n", NULL, "x\r\n\r\n\r\n"},
};

ParameterizedTestParameters(compose, text)
{
	static size_t idx[sizeof texts / sizeof texts[0]];

	for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, sizeof idx / sizeof idx[0]);
}

ParameterizedTest(size_t *i, compose, text)
{
	const struct textcase *t = &texts[*i];
	struct pair p;
	size_t len, n;
	char *msg, *ent;

	make_pair(CF_EC, "P-256", &p);
	msg = compose(&p, KIND_SIGNED, t->in, &len);
	assert_lines(msg, len);
	ent = verify(msg, len, p.a, NID_sha256, &n);
	assert_text_entity(ent, n, t->out ? t->out : t->in);
	if (t->raw)
		cr_assert_not_null(strstr(ent, t->raw), "\"%s\" not in %s", t->raw, ent);
	free(ent);
	free(msg);
	free_pair(&p);
}

/* Long lines are broken softly within 76 columns and come back whole;
 * every byte value survives. */
Test(compose, long_lines_and_every_byte)
{
	char text[3000];
	struct pair p;
	size_t len, n, k = 0;
	char *msg, *ent;

	for (int j = 0; j < 1000; j++)
		text[k++] = (char)('a' + j % 26);
	text[k++] = '\n';
	for (int c = 1; c < 256; c++)
		if (c != '\r' && c != '\n')
			text[k++] = (char)c;
	text[k++] = '\n';
	text[k] = '\0';
	make_pair(CF_EC, "P-256", &p);
	msg = compose(&p, KIND_SIGNED, text, &len);
	assert_lines(msg, len);
	ent = verify(msg, len, p.a, NID_sha256, &n);
	assert_text_entity(ent, n, text);
	free(ent);
	free(msg);
	free_pair(&p);
}

/* A body read from a BIO may hold NUL bytes (compose_mem cannot). */
Test(compose, nul_byte_from_a_bio)
{
	static const char text[] = "a\0b\n";
	struct smime_msg m = {.kind = KIND_PLAIN,
			      .from = "alice@example.org",
			      .to = "sam@example.org",
			      .subject = "x",
			      .date = 0};
	BIO *in = BIO_new_mem_buf(text, sizeof text - 1), *out = BIO_new(BIO_s_mem());
	struct err e = ERR_INIT;
	size_t n;
	char *s;

	cr_assert_eq(smime_compose(&m, in, out, &e), 0, "%s", e.msg);
	s = bio_text(out, &n);
	cr_assert_not_null(strstr(s, "\r\n\r\na=00b\r\n"), "%s", s);
	cr_assert_not_null(strstr(s, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
	cr_assert_not_null(strstr(s, "From: alice@example.org\r\nTo: sam@example.org\r\n"));
	free(s);
	BIO_free(in);
	BIO_free(out);
}

Test(compose, missing_parts_refused)
{
	struct smime_msg m = {.kind = KIND_SIGNED,
			      .from = "alice@example.org",
			      .to = "sam@example.org",
			      .subject = "x"};
	struct err e = ERR_INIT;
	char *msg;
	size_t len;

	cr_assert_eq(smime_compose_mem(&m, "x", &msg, &len, &e), -1);
	cr_assert_null(msg);
	cr_assert_not_null(strstr(e.msg, "lacks"));
}

/* An address from a certificate cannot add header fields. */
Test(compose, unsafe_address_refused)
{
	static const char *const bad[] = {"sam@example.org\r\nBcc: x@y", "sam <sam@example.org>",
					  "sam@example.org,kim@example.org", "no-at-sign"};
	struct err e = ERR_INIT;
	char *msg;
	size_t len;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct smime_msg m = {.kind = KIND_PLAIN,
				      .from = "alice@example.org",
				      .to = bad[i],
				      .subject = "x"};

		err_clear(&e);
		cr_assert_eq(smime_compose_mem(&m, "x", &msg, &len, &e), -1, "%s accepted", bad[i]);
		cr_assert_null(msg);
		cr_assert_not_null(strstr(e.msg, "address") ? e.msg : strstr(e.msg, "not a mail"),
				   "%s", e.msg);
	}
}

/* --- header encodings ----------------------------------------------------- */

Test(header, mailbox)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{"Alice Example", "\"Alice Example\" <a@example.org>"},
		{NULL, "a@example.org"},
		{"", "a@example.org"},
		{"  ", "a@example.org"},
		{"Say \"hi\" \\o/", "\"Say \\\"hi\\\" \\\\o/\" <a@example.org>"},
		{"Evil\r\nBcc: x@y", "\"Evil  Bcc: x@y\" <a@example.org>"},
		{"J\xc3\xbcrgen", "=?UTF-8?B?SsO8cmdlbg==?= <a@example.org>"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = mimeout_mailbox(cases[i].name, "a@example.org");

		cr_assert_str_eq(got, cases[i].want);
		free(got);
	}
}

/* A long non-ASCII name: several encoded words, each within 75
 * characters, none splitting a character; the header folds within 76. */
Test(header, long_name_folds)
{
	char name[400] = "";
	struct pair p;
	struct smime_msg m = {.kind = KIND_PLAIN,
			      .from = "alice@example.org",
			      .to = "sam@example.org",
			      .subject = "S\xc3\xa9"
					 "ance \xe2\x82\xac",
			      .date = 0};
	struct err e = ERR_INIT;
	size_t len;
	char *msg, *got;

	for (int j = 0; j < 40; j++)
		strcat(name, "\xc3\xa9");
	strcat(name, " Example");
	m.from_name = name;
	make_pair(CF_EC, "P-256", &p);
	cr_assert_eq(smime_compose_mem(&m, "x\n", &msg, &len, &e), 0, "%s", e.msg);
	assert_lines(msg, len);
	cr_assert_not_null(strstr(msg, "Subject: =?UTF-8?B?U8OpYW5jZSDigqw=?=\r\n"));
	got = mimeout_mailbox(name, "alice@example.org");
	for (char *w = strstr(got, "=?UTF-8?B?"), *end; w; w = strstr(end, "=?UTF-8?B?")) {
		end = strstr(w + 10, "?=");
		unsigned char dec[128];
		int n;

		cr_assert_leq(end + 2 - w, 75);
		n = EVP_DecodeBlock(dec, (unsigned char *)w + 10, (int)(end - w - 10));
		cr_assert_gt(n, 0);
		cr_assert_eq(dec[0] & 0xc0, 0xc0, "a word starts inside a character");
	}
	free(got);
	free(msg);
	free_pair(&p);
}

Test(header, date)
{
	char buf[40];

	mimeout_date(0, buf);
	cr_assert_str_eq(buf, "Thu, 01 Jan 1970 00:00:00 +0000");
	mimeout_date(1751364000, buf);
	cr_assert_str_eq(buf, "Tue, 01 Jul 2025 10:00:00 +0000");
}

/* --- refusals --------------------------------------------------------------- */

struct refusal {
	struct cf_spec spec;
	long shift;       /* `now` moved by this many seconds */
	const char *says; /* NULL: accepted */
};
static const struct refusal refusals[] = {
	{{.key = CF_RSA, .bits = 2048}, 0, NULL},
	{{.key = CF_EC}, 0, NULL},
	{{.key = CF_RSA, .bits = 2048, .ku = ""}, 0, NULL}, /* no Key Usage: RFC 5280 allows all */
	{{.key = CF_RSA, .bits = 2048, .not_before = -800L * 86400, .days = 30}, 0, "expired on"},
	{{.key = CF_RSA, .bits = 2048, .not_before = 86400L * 10}, 0, "is not valid until"},
	{{.key = CF_RSA, .bits = 2048, .ku = "critical,digitalSignature"},
	 0,
	 "lacks keyEncipherment"},
	{{.key = CF_EC, .ku = "critical,digitalSignature"}, 0, "lacks keyAgreement"},
	{{.key = CF_EC, .ku = "critical,digitalSignature,keyEncipherment"},
	 0,
	 "lacks keyAgreement"},
	{{.key = CF_RSA, .bits = 2048, .eku = "clientAuth"}, 0, "lacks emailProtection"},
	{{.key = CF_ED25519}, 0, "cannot receive encrypted mail"},
	{{.key = CF_RSA, .bits = 2048}, 3L * 365 * 86400, "expired on"},
};

ParameterizedTestParameters(refuse, encrypt_to)
{
	static size_t idx[sizeof refusals / sizeof refusals[0]];

	for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, sizeof idx / sizeof idx[0]);
}

ParameterizedTest(size_t *i, refuse, encrypt_to)
{
	const struct refusal *r = &refusals[*i];
	time_t now = time(NULL);
	X509 *cert = cf_cert(&r->spec, now, NULL);
	struct err e = ERR_INIT;
	int rc = smime_can_encrypt_to(cert, now + r->shift, "the certificate of sam@example.org",
				      &e);

	if (r->says == NULL) {
		cr_assert_eq(rc, 0, "%s", e.msg);
	} else {
		cr_assert_eq(rc, -1);
		cr_assert(strncmp(e.msg, "the certificate of sam@example.org ", 35) == 0, "%s",
			  e.msg);
		cr_assert_not_null(strstr(e.msg, r->says), "%s", e.msg);
	}
	X509_free(cert);
}

Test(refuse, own_certificate_cannot_sign)
{
	struct cf_spec old = {.key = CF_EC, .not_before = -800L * 86400, .days = 30};
	struct cf_spec noku = {.key = CF_EC, .ku = "critical,keyAgreement"};
	X509 *a = cf_cert(&old, time(NULL), NULL), *b = cf_cert(&noku, time(NULL), NULL);
	struct err e = ERR_INIT;

	cr_assert_eq(smime_can_sign(a, time(NULL), &e), -1);
	cr_assert(strncmp(e.msg, "your certificate expired on ", 28) == 0, "%s", e.msg);
	cr_assert_not_null(strstr(e.msg, "padseal create --replace"));
	err_clear(&e);
	cr_assert_eq(smime_can_sign(b, time(NULL), &e), -1);
	cr_assert_not_null(strstr(e.msg, "lacks digitalSignature"), "%s", e.msg);
	X509_free(a);
	X509_free(b);
}

/* --- a sender in a real home, the introduction, matrix send ------------ */

static char *base, *dir, *out;
static struct session *s;
static time_t now;

static const char *const alice_emails[] = {"alice@example.org"};

/* A home with Alice's identity, made by the create operation at `now`;
 * the session holds her key. */
static void
home_setup(void)
{
	struct op_create req = {{"Alice Example", alice_emails, 1, "p256", 0, 0, 0, 0}, NULL, 0};
	struct tu_pass tp = {{[PASS_NEW_KEY] = PASS}, {0}};
	struct pass_ask ask;
	struct err e = ERR_INIT;

	base = tu_tmpdir();
	dir = path_join(base, "home");
	out = path_join(base, "out");
	s = session_new(dir);
	now = tu_now();
	req.now = now;
	tu_pass_ask(&ask, &tp);
	cr_assert_eq(op_create(s, &req, &ask, NULL, &e), 0, "%s", e.msg);
}

static void
home_teardown(void)
{
	session_close(s);
	tu_rmtree(base);
	free(base);
	free(dir);
	free(out);
}

/* A fresh session on the home: no key unlocked. */
static void
session_again(void)
{
	session_close(s);
	s = session_new(dir);
}

/* The home held for writing, for the modules (session_end(s, keep)). */
static struct state *
hold(void)
{
	struct err e = ERR_INIT;
	struct state *st;

	cr_assert_eq(session_begin(s, HOME_WRITE, &st, &e), 0, "%s", e.msg);
	return st;
}

/* The checklist as saved, read afresh. */
static struct state *
load_saved(void)
{
	struct err e = ERR_INIT;
	struct home h = {0};
	struct state *st;

	cr_assert_eq(home_open(&h, dir, HOME_READ, &e), 0, "%s", e.msg);
	cr_assert_eq(state_load(&h, &st, &e), 0, "%s", e.msg);
	home_close(&h);
	return st;
}

/* Alice's unlocked key (borrowed from the session), while the home is
 * held (hold()) and `st` is its state. */
static EVP_PKEY *
alice_key(const struct state *st)
{
	struct tu_pass tp = {{[PASS_KEY] = PASS}, {0}};
	struct pass_ask ask;
	struct err e = ERR_INIT;
	EVP_PKEY *key;

	tu_pass_ask(&ask, &tp);
	cr_assert_not_null(state_ident_current(st));
	cr_assert_eq(session_key(s, state_ident_current(st)->hex, &ask, &key, &e), 0, "%s", e.msg);
	return key;
}

/* The sender, likewise. */
static struct smime_sender *
sender(struct state *st)
{
	struct err e = ERR_INIT;
	struct smime_sender *snd;

	cr_assert_eq(smime_sender_open(session_home(s), st, alice_key(st), now, &snd, &e), 0, "%s",
		     e.msg);
	return snd;
}

/* A correspondent's certificate made at `now` and stored in the home
 * (saved); `trusted` marks it the way the trust module does (unit level:
 * the record field), so that expired or defective certificates can be
 * trusted too.  Returns its SHA-256 hex in `hex`. */
static void
add_peer(const struct cf_spec *spec, int trusted, char hex[FPR_HEX_LEN], X509 **cert_out,
	 EVP_PKEY **key_out)
{
	struct err e = ERR_INIT;
	struct state *st = hold();
	X509 *cert = cf_cert(spec, now, key_out);
	const struct st_peer *p;
	int added;

	cr_assert_eq(peer_store(session_home(s), st, cert, "test", now, &p, &added, &e), 0, "%s",
		     e.msg);
	cr_assert(added);
	if (trusted) {
		struct st_peer *w = state_peer_edit(st, p);

		w->trusted = 1;
		w->verified = VERIFY_PHONE;
		iso_time(now, w->verified_at);
	}
	cr_assert_eq(state_save(session_home(s), st, &e), 0, "%s", e.msg);
	session_end(s, 1);
	if (hex != NULL)
		fpr_cert_hex(cert, hex);
	if (cert_out)
		*cert_out = cert;
	else
		X509_free(cert);
}

/* The saved state of cell (d, k) of peer `hex`. */
static enum cell_state
saved_cell(const char *hex, enum cell_dir d, enum cell_kind k)
{
	struct state *st = load_saved();
	const struct st_peer *p = state_peer_by_hex(st, hex);
	enum cell_state c;

	cr_assert_not_null(p);
	c = p->cell[d][k].state;
	state_free(st);
	return c;
}

TestSuite(sender, .init = home_setup, .fini = home_teardown);

Test(sender, wrong_key_wrong_passphrase_and_no_identity)
{
	struct err e = ERR_INIT;
	struct smime_sender *snd = NULL;
	struct state *empty = state_new(), *st;
	const struct state *cur;
	struct cf_spec other = {.key = CF_EC};
	EVP_PKEY *k = cf_key(&other), *key;
	struct tu_pass tp = {{[PASS_KEY] = "not the passphrase"}, {0}};
	struct pass_ask ask;

	st = hold();
	cr_assert_eq(smime_sender_open(session_home(s), st, k, now, &snd, &e), -1);
	cr_assert_null(snd);
	cr_assert_str_eq(e.msg,
			 "the key does not belong to your current certificate; this identity is damaged");
	err_clear(&e);
	cr_assert_eq(smime_sender_open(session_home(s), empty, k, now, &snd, &e), -1);
	cr_assert_str_eq(e.msg, "there is no credential yet; create one first");
	session_end(s, 1);
	/* The passphrase is judged where the key is unlocked. */
	session_again();
	tu_pass_ask(&ask, &tp);
	cr_assert_eq(session_state(s, &cur, &e), 0, "%s", e.msg);
	err_clear(&e);
	cr_assert_eq(session_key(s, state_ident_current(cur)->hex, &ask, &key, &e), -1);
	cr_assert_eq(e.code, ERR_BAD_PASS);
	cr_assert_str_eq(e.msg, "the passphrase does not unlock your key");
	state_free(empty);
	EVP_PKEY_free(k);
}

/* A certificate that can no longer sign, at `now`. */
Test(sender, expired_identity_cannot_send)
{
	struct err e = ERR_INIT;
	struct smime_sender *snd = NULL;
	struct state *st = hold();

	cr_assert_eq(smime_sender_open(session_home(s), st, alice_key(st), now + 800L * 86400, &snd,
				       &e),
		     -1);
	cr_assert_null(snd);
	cr_assert(strncmp(e.msg, "your certificate expired on ", 28) == 0, "%s", e.msg);
	session_end(s, 1);
}

Test(sender, intro)
{
	struct state *st = hold();
	struct smime_sender *snd = sender(st);
	struct err e = ERR_INIT;
	struct ident id;
	char *msg, *ent, *text, *v, line[80];
	size_t len, n;

	cr_assert_eq(ident_current(session_home(s), st, now, &id, &e), 1);
	session_end(s, 1);
	cr_assert_eq(smime_intro(snd, "sam@example.org", now, &msg, &len, &e), 0, "%s", e.msg);
	assert_lines(msg, len);
	v = header(msg, "From");
	cr_assert_str_eq(v, "\"Alice Example\" <alice@example.org>");
	free(v);
	v = header(msg, "To");
	cr_assert_str_eq(v, "sam@example.org");
	free(v);
	v = header(msg, "Date");
	cr_assert_str_eq(v, "Mon, 01 Jun 2026 00:00:00 +0000");
	free(v);
	verify_at = now;
	ent = verify(msg, len, smime_sender_cert(snd), NID_sha256, &n);
	text = qp_decode(strstr(ent, "\r\n\r\n") + 4,
			 n - (size_t)(strstr(ent, "\r\n\r\n") + 4 - ent));
	/* The CA form: the CA's fingerprint is the one compared (trust.h). */
	cr_assert_not_null(strstr(text, id.ca_fpr[0] ? id.ca_fpr : id.fpr), "no colon fingerprint");
	snprintf(line, sizeof line, "  %.70s\n", id.ca_fpr[0] ? id.ca_grouped : id.grouped);
	cr_assert_not_null(strstr(text, line), "no grouped fingerprint line %s in %s", line, text);
	cr_assert_not_null(strstr(text, "padseal import FILE"));
	free(text);
	free(ent);
	free(msg);
	/* refusals */
	cr_assert_eq(smime_intro(snd, "Sam <sam@example.org>", now, &msg, &len, &e), -1);
	cr_assert_null(msg);
	err_clear(&e);
	cr_assert_eq(smime_intro(snd, "ALICE@example.org", now, &msg, &len, &e), -1);
	cr_assert_not_null(strstr(e.msg, "your own address"), "%s", e.msg);
	ident_clear(&id);
	smime_sender_free(snd);
}

/* The operation: the mail delivered, then recorded as sent by mail. */
Test(sender, intro_operation_records_it)
{
	struct tu_pass tp = {{[PASS_KEY] = PASS}, {0}};
	struct pass_ask ask;
	struct sink sk;
	struct sink_file sf;
	struct err e = ERR_INIT;
	struct state *st;
	char *file = path_join(base, "intro.eml"), *before, *after, iso[ISO_TIME_LEN];

	session_again();
	tu_pass_ask(&ask, &tp);
	sink_file(&sk, &sf, file, 0);
	cr_assert_eq(op_intro(s, "Sam@Example.org", &sk, now, &ask, &e), 0, "%s", e.msg);
	cr_assert_eq(tp.asked[PASS_KEY], 1);
	cr_assert_eq(tu_mode(file), 0600);
	st = load_saved();
	iso_time(now, iso);
	cr_assert_not_null(state_sent_to(st, "sam@example.org"));
	cr_assert_str_eq(state_sent_to(st, "sam@example.org")->at, iso);
	cr_assert_eq(state_sent_to(st, "sam@example.org")->how, SENT_MAIL);
	state_free(st);
	/* An existing file is not replaced; nothing is recorded. */
	before = tu_tree_hash(dir);
	sink_file(&sk, &sf, file, 0);
	cr_assert_eq(op_intro(s, "kim@example.org", &sk, now, &ask, &e), -1);
	cr_assert_not_null(strstr(e.msg, "already exists"), "%s", e.msg);
	after = tu_tree_hash(dir);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	free(file);
}

/* An introduction to your own address is refused before the passphrase
 * of the key is asked for (op.h: every refusal first). */
Test(sender, intro_to_yourself_refused_before_the_passphrase)
{
	struct tu_pass tp = {{[PASS_KEY] = PASS}, {0}};
	struct pass_ask ask;
	struct sink sk;
	struct sink_file sf;
	struct err e = ERR_INIT;
	char *file = path_join(base, "intro.eml"), *before = tu_tree_hash(dir), *after;

	session_again();
	tu_pass_ask(&ask, &tp);
	sink_file(&sk, &sf, file, 0);
	cr_assert_eq(op_intro(s, "ALICE@example.org", &sk, now, &ask, &e), -1);
	cr_assert_not_null(strstr(e.msg, "your own address"), "%s", e.msg);
	cr_assert_not(path_exists(file));
	after = tu_tree_hash(dir);
	cr_assert_str_eq(before, after);
	err_clear(&e);
	cr_assert_eq(op_intro_check(s, "ALICE@example.org", &e), -1,
		     "op_intro_check accepts an introduction to yourself");
	cr_assert_eq(tp.asked[PASS_KEY], 0, "the passphrase was asked for a refused introduction");
	free(before);
	free(after);
	free(file);
}

Test(sender, compose_refuses_bad_recipient)
{
	struct cf_spec bad = {.key = CF_RSA,
			      .bits = 2048,
			      .san = "email:sam@example.org",
			      .ku = "critical,digitalSignature"};
	struct state *st = hold();
	struct smime_sender *snd = sender(st);
	X509 *cert = cf_cert(&bad, now, NULL);
	struct err e = ERR_INIT;
	char *msg;
	size_t len;

	session_end(s, 1);
	cr_assert_eq(smime_sender_compose(snd, KIND_ENCRYPTED, NULL, "sam@example.org", cert, "x",
					  "x", now, &msg, &len, &e),
		     -1);
	cr_assert_null(msg);
	cr_assert_not_null(strstr(e.msg,
				  "the certificate of sam@example.org does not allow encryption"),
			   "%s", e.msg);
	/* signing alone needs no recipient certificate */
	err_clear(&e);
	cr_assert_eq(smime_sender_compose(snd, KIND_SIGNED, NULL, "sam@example.org", NULL, "x", "x",
					  now, &msg, &len, &e),
		     0, "%s", e.msg);
	free(msg);
	X509_free(cert);
	smime_sender_free(snd);
}

/* The signingTime attribute is the message's `date`, not the clock's:
 * the core never reads the clock itself (isotime.h). */
Test(compose, signing_time_is_the_message_date)
{
	struct cf_spec a = {.key = CF_EC, .days = 30};
	time_t t = iso_parse("2020-02-02T12:00:00Z");
	EVP_PKEY *ka;
	X509 *ca = cf_cert(&a, t - 86400, &ka);
	struct smime_msg m = {
		.kind = KIND_SIGNED,
		.from = "alice@example.org",
		.to = "sam@example.org",
		.subject = "x",
		.date = t,
		.cert = ca,
		.key = ka,
	};
	struct err e = ERR_INIT;
	BIO *cont = NULL;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	X509_ATTRIBUTE *attr;
	ASN1_TYPE *v;
	char *msg;
	size_t len;
	int i;

	cr_assert_eq(smime_compose_mem(&m, "x", &msg, &len, &e), 0, "%s", e.msg);
	cms = read_smime(msg, len, &cont);
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	i = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
	cr_assert_geq(i, 0, "no signingTime");
	attr = CMS_signed_get_attr(si, i);
	v = X509_ATTRIBUTE_get0_type(attr, 0);
	cr_assert_not_null(v);
	{
		char iso[ISO_TIME_LEN];

		cr_assert_eq(asn1_time_iso((const ASN1_TIME *)v->value.asn1_string, iso,
					   sizeof iso),
			     0);
		cr_assert_str_eq(iso, "2020-02-02T12:00:00Z",
				 "signingTime is the clock's, not the message's date");
	}
	BIO_free(cont);
	CMS_ContentInfo_free(cms);
	free(msg);
	X509_free(ca);
	EVP_PKEY_free(ka);
}

Test(matrix, cell_names)
{
	enum cell_dir d;
	enum cell_kind k;

	cr_assert_eq(matrix_cell_parse("out:signed-encrypted", &d, &k), 0);
	cr_assert(d == DIR_OUT && k == KIND_SIGNED_ENCRYPTED);
	cr_assert_eq(matrix_cell_parse("IN:Plain", &d, &k), 0);
	cr_assert(d == DIR_IN && k == KIND_PLAIN);
	cr_assert_eq(matrix_cell_parse("out:signed+encrypted", &d, &k), -1);
	cr_assert_eq(matrix_cell_parse("sideways:plain", &d, &k), -1);
	cr_assert_eq(matrix_cell_parse("signed", &d, &k), -1);
	cr_assert_eq(matrix_cell_parse("out:", &d, &k), -1);
	for (int i = 0; i < KIND_COUNT; i++)
		cr_assert_not_null(matrix_file_name((enum cell_kind)i));
	cr_assert_str_eq(matrix_file_name(KIND_SIGNED_ENCRYPTED), "signed-encrypted.eml");
}

/* Results recorded into the peer's record (found by fingerprint), the
 * correspondent's word, the count of passed cells, and the record as it
 * is written and read back. */
Test(matrix, cells_in_the_record)
{
	static const char *const addr[] = {"sam@example.org"};
	static const char hex[] =
		"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
	struct state *st = state_new(), *back;
	struct matrix_result res = {0};
	const struct st_peer *p;
	struct err e = ERR_INIT;
	char *text;
	size_t len;

	{
		/* The facts peer_store would fill from the certificate. */
		struct st_peer *w = state_peer_add(st, hex, addr, 1);

		cr_assert_not_null(w);
		snprintf(w->key, sizeof w->key, "EC P-256");
		snprintf(w->not_before, sizeof w->not_before, "2026-06-01T00:00:00Z");
		snprintf(w->not_after, sizeof w->not_after, "2028-06-01T00:00:00Z");
		w->not_after_t = iso_parse(w->not_after);
		snprintf(w->received, sizeof w->received, "2026-06-01T00:00:00Z");
	}
	p = state_peer_by_hex(st, hex);
	cr_assert_eq(p->cell[DIR_IN][KIND_SIGNED].state, CELL_TODO);
	cr_assert_null(p->cell[DIR_IN][KIND_SIGNED].why);
	memcpy(res.peer_hex, hex, sizeof hex);
	res.dir = DIR_IN;
	res.kind = KIND_SIGNED;
	res.state = CELL_FAILED;
	snprintf(res.why, sizeof res.why, "the signature is invalid");
	cr_assert_eq(matrix_record(st, &res, &e), 0, "%s", e.msg);
	p = state_peer_by_hex(st, hex);
	cr_assert_eq(p->cell[DIR_IN][KIND_SIGNED].state, CELL_FAILED);
	cr_assert_str_eq(p->cell[DIR_IN][KIND_SIGNED].why, "the signature is invalid");
	/* What failed cannot be confirmed as shown correctly. */
	cr_assert_eq(matrix_confirm(st, p, DIR_IN, KIND_SIGNED, &e), -1);
	cr_assert(strstr(e.msg, "in:signed has not passed yet") != NULL, "%s", e.msg);
	e = (struct err)ERR_INIT;
	for (int d = 0; d < DIR_COUNT; d++)
		for (int k = 0; k < KIND_COUNT; k++) {
			cr_assert_eq(matrix_passed(state_peer_by_hex(st, hex)), d * KIND_COUNT + k);
			res.dir = (enum cell_dir)d;
			res.kind = (enum cell_kind)k;
			res.state = CELL_PASSED;
			res.warning = d == DIR_IN && k == KIND_SIGNED;
			snprintf(res.why, sizeof res.why, "%s",
				 res.warning ? "valid signature (SHA-1)" : "ok");
			cr_assert_eq(matrix_record(st, &res, &e), 0, "%s", e.msg);
		}
	p = state_peer_by_hex(st, hex);
	cr_assert_eq(matrix_passed(p), 8);
	cr_assert_eq(p->cell[DIR_IN][KIND_SIGNED].how, CELL_WARNED);
	cr_assert_str_eq(p->cell[DIR_IN][KIND_SIGNED].why, "valid signature (SHA-1)");
	cr_assert_eq(p->cell[DIR_IN][KIND_PLAIN].how, CELL_CHECKED);
	/* Confirmed as shown: a checked cell stays checked, and says so. */
	cr_assert_eq(matrix_confirm(st, p, DIR_OUT, KIND_PLAIN, &e), 0, "%s", e.msg);
	p = state_peer_by_hex(st, hex);
	cr_assert_eq(p->cell[DIR_OUT][KIND_PLAIN].state, CELL_PASSED);
	cr_assert_eq(p->cell[DIR_OUT][KIND_PLAIN].how, CELL_CHECKED);
	cr_assert_eq(p->cell[DIR_OUT][KIND_PLAIN].shown, 1);
	cr_assert_eq(matrix_confirm(st, p, DIR_IN, KIND_ENCRYPTED, &e), 0, "%s", e.msg);
	p = state_peer_by_hex(st, hex);
	cr_assert_eq(p->cell[DIR_IN][KIND_ENCRYPTED].shown, 1);
	cr_assert_eq(matrix_shown(p), 2);
	/* Judged again by another message: the confirmation was for the
	 * one before. */
	res.dir = DIR_IN;
	res.kind = KIND_ENCRYPTED;
	res.warning = 0;
	snprintf(res.author, sizeof res.author, "NeoMutt");
	cr_assert_eq(matrix_record(st, &res, &e), 0, "%s", e.msg);
	p = state_peer_by_hex(st, hex);
	cr_assert_eq(p->cell[DIR_IN][KIND_ENCRYPTED].shown, 0);
	cr_assert_eq(matrix_confirm(st, p, DIR_IN, KIND_ENCRYPTED, &e), 0, "%s", e.msg);
	p = state_peer_by_hex(st, hex);
	/* Written and read back, the cells and their reasons stay. */
	text = state_format(st, &len);
	cr_assert_eq(state_parse(text, len, "checklist", &back, &e), 0, "%s", e.msg);
	p = state_peer_by_hex(back, hex);
	cr_assert_not_null(p);
	cr_assert_eq(matrix_passed(p), 8);
	cr_assert_eq(p->cell[DIR_OUT][KIND_PLAIN].shown, 1);
	cr_assert_eq(p->cell[DIR_IN][KIND_ENCRYPTED].shown, 1);
	cr_assert_eq(p->cell[DIR_IN][KIND_SIGNED].how, CELL_WARNED);
	cr_assert_str_eq(p->cell[DIR_IN][KIND_SIGNED].why, "valid signature (SHA-1)");
	/* A result for a correspondent who is gone. */
	res.peer_hex[0] = 'F';
	cr_assert_eq(matrix_record(back, &res, &e), -1);
	free(text);
	state_free(back);
	state_free(st);
}

TestSuite(matrix_send, .init = home_setup, .fini = home_teardown);

Test(matrix_send, refusals_leave_everything_alone)
{
	struct cf_spec ok = {.key = CF_RSA,
			     .bits = 2048,
			     .cn = "Sam Tester",
			     .san = "email:sam@example.org"};
	struct cf_spec old = {.key = CF_EC,
			      .cn = "Old Olga",
			      .san = "email:olga@example.org",
			      .not_before = -800L * 86400,
			      .days = 30};
	struct cf_spec noku = {.key = CF_RSA,
			       .bits = 2048,
			       .san = "email:kim@example.org",
			       .ku = "critical,digitalSignature"};
	struct tu_pass tp = {{[PASS_KEY] = PASS}, {0}};
	struct op_send_res res;
	struct pass_ask ask;
	struct err e = ERR_INIT;
	char sam[FPR_HEX_LEN], *before, *after, *path;

	add_peer(&ok, 0, sam, NULL, NULL);
	add_peer(&old, 1, NULL, NULL, NULL);
	add_peer(&noku, 1, NULL, NULL, NULL);
	session_again();
	tu_pass_ask(&ask, &tp);
	before = tu_tree_hash(dir);
	cr_assert_eq(op_matrix_send_check(s, "sam@example.org", out, 0, now, &e), -1);
	cr_assert_str_eq(e.msg,
			 "the certificate of sam@example.org is not trusted yet, so padseal does not encrypt to it: compare fingerprints by phone (padseal compare sam@example.org \"what they read\"), then padseal trust sam@example.org --verified phone (--force sends anyway, for testing)");
	err_clear(&e);
	cr_assert_eq(op_matrix_send(s, "sam@example.org", out, 0, now, &ask, &res, &e), -1);
	cr_assert_not_null(strstr(e.msg, "is not trusted yet"), "%s", e.msg);
	err_clear(&e);
	cr_assert_eq(op_matrix_send(s, "olga@example.org", out, 1, now, &ask, &res, &e), -1,
		     "untrusted_ok must not pass an expired certificate");
	cr_assert_not_null(strstr(e.msg, "the certificate of olga@example.org expired on "), "%s",
			   e.msg);
	err_clear(&e);
	cr_assert_eq(op_matrix_send(s, "kim@example.org", out, 1, now, &ask, &res, &e), -1);
	cr_assert_not_null(strstr(e.msg, "lacks keyEncipherment"), "%s", e.msg);
	err_clear(&e);
	cr_assert_eq(op_matrix_send(s, "nobody@example.org", out, 1, now, &ask, &res, &e), -1);
	cr_assert_eq(tu_pass_asked(&tp), 0, "a passphrase was asked for a refused send");
	cr_assert_eq(path_exists(out), 0, "a refused send made the directory");
	after = tu_tree_hash(dir);
	cr_assert_str_eq(before, after, "a refusal changed the home");
	free(before);
	free(after);
	for (int d = 0; d < DIR_COUNT; d++)
		for (int k = 0; k < KIND_COUNT; k++)
			cr_assert_eq(saved_cell(sam, (enum cell_dir)d, (enum cell_kind)k),
				     CELL_TODO);
	/* A wrong passphrase: refused with its code, nothing written. */
	{
		struct tu_pass bad = {{[PASS_KEY] = "not the passphrase"}, {0}};

		tu_pass_ask(&ask, &bad);
		err_clear(&e);
		cr_assert_eq(op_matrix_send(s, "sam@example.org", out, 1, now, &ask, &res, &e), -1);
		cr_assert_eq(e.code, ERR_BAD_PASS);
		cr_assert_eq(path_exists(out), 0);
		tu_pass_ask(&ask, &tp);
	}
	/* An existing file refuses the whole send. */
	{
		struct op_trust_res tr;

		err_clear(&e);
		cr_assert_eq(op_trust(s, "sam@example.org", VERIFY_PHONE, 0, now, &tr, &e), 0, "%s",
			     e.msg);
	}
	cr_assert_eq(dir_ensure(out, &e), 0);
	path = path_join(out, "encrypted.eml");
	tu_write(path, "old", 3);
	before = tu_tree_hash(dir);
	err_clear(&e);
	cr_assert_eq(op_matrix_send(s, "sam@example.org", out, 0, now, &ask, &res, &e), -1);
	cr_assert_not_null(strstr(e.msg, "encrypted.eml already exists"), "%s", e.msg);
	free(path);
	path = path_join(out, "plain.eml");
	cr_assert_eq(path_exists(path), 0);
	free(path);
	after = tu_tree_hash(dir);
	cr_assert_str_eq(before, after, "a refusal changed the home");
	free(before);
	free(after);
}

ParameterizedTestParameters(matrix_send, writes_four)
{
	static size_t idx[] = {0, 1};

	return cr_make_param_array(size_t, idx, 2);
}

ParameterizedTest(size_t *i, matrix_send, writes_four)
{
	struct cf_spec spec = {.key = *i ? CF_EC : CF_RSA,
			       .bits = 2048,
			       .cn = "Sam Tester",
			       .san = "email:sam@example.org"};
	struct tu_pass tp = {{[PASS_KEY] = PASS}, {0}};
	struct op_send_res res;
	struct pass_ask ask;
	EVP_PKEY *key;
	X509 *cert;
	char sam[FPR_HEX_LEN];
	struct err e = ERR_INIT;

	add_peer(&spec, *i, sam, &cert, &key);
	session_again();
	tu_pass_ask(&ask, &tp);
	cr_assert_eq(op_matrix_send(s, "sam@example.org", out, !*i, now, &ask, &res, &e), 0, "%s",
		     e.msg);
	cr_assert_eq(tp.asked[PASS_KEY], 1);
	cr_assert_str_eq(res.hex, sam);
	cr_assert_str_eq(res.email, "sam@example.org");
	cr_assert_eq(tu_mode(out), 0700);
	for (int k = 0; k < KIND_COUNT; k++) {
		char *path = path_join(out, matrix_file_name((enum cell_kind)k)), *msg, *v,
		     want[64];
		size_t len, n;

		cr_assert_str_eq(res.path[k], path);
		cr_assert_eq(tu_mode(path), 0600);
		msg = tu_read(path, &len);
		assert_lines(msg, len);
		v = header(msg, "To");
		cr_assert_str_eq(v, "\"Sam Tester\" <sam@example.org>");
		free(v);
		v = header(msg, "Subject");
		snprintf(want, sizeof want, "padseal test %d of 4: %s", k + 1,
			 cell_kind_name((enum cell_kind)k));
		cr_assert_str_eq(v, want);
		free(v);
		v = header(msg, "Date");
		cr_assert_str_eq(v, "Mon, 01 Jun 2026 00:00:00 +0000");
		free(v);
		if (k >= KIND_ENCRYPTED) {
			char *inner = decrypt(msg, len, cert, key, &n);

			free(inner);
		}
		cr_assert_eq(saved_cell(sam, DIR_OUT, (enum cell_kind)k), CELL_SENT);
		cr_assert_eq(saved_cell(sam, DIR_IN, (enum cell_kind)k), CELL_TODO);
		free(msg);
		free(path);
	}
	/* A second send into the same directory is refused. */
	cr_assert_eq(op_matrix_send(s, "sam@example.org", out, 1, now, &ask, &res, &e), -1);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/* The module writes the files and updates the state it is given; saving
 * (and matrix_unwrite when that fails) is the caller's. */
Test(matrix_send, module_leaves_saving_to_the_caller)
{
	struct cf_spec spec = {.key = CF_EC, .cn = "Sam Tester", .san = "email:sam@example.org"};
	struct err e = ERR_INIT;
	struct smime_sender *snd;
	struct state *st;
	char sam[FPR_HEX_LEN], *before, *after;

	add_peer(&spec, 1, sam, NULL, NULL);
	before = tu_tree_hash(dir);
	st = hold();
	snd = sender(st);
	cr_assert_eq(matrix_send(session_home(s), st, state_peer_by_hex(st, sam), snd, out, 0, now,
				 &e),
		     0, "%s", e.msg);
	for (int k = 0; k < KIND_COUNT; k++) {
		char *path = path_join(out, matrix_file_name((enum cell_kind)k));

		cr_assert(path_exists(path));
		cr_assert_eq(state_peer_by_hex(st, sam)->cell[DIR_OUT][k].state, CELL_SENT);
		free(path);
	}
	session_end(s, 0);
	after = tu_tree_hash(dir);
	cr_assert_str_eq(before, after, "the module saved");
	matrix_unwrite(out);
	for (int k = 0; k < KIND_COUNT; k++) {
		char *path = path_join(out, matrix_file_name((enum cell_kind)k));

		cr_assert_not(path_exists(path));
		free(path);
	}
	free(before);
	free(after);
	smime_sender_free(snd);
}

/* --- judging: what each kind of report becomes --------------------------- */

struct jcase {
	const char *from, *to;
	enum cell_kind kind;
	int env, sig; /* an envelope outside, a signature (inside) */
	enum sig_state state;
	int signer; /* 1 Sam's certificate, 2 mine, 3 a stranger's */
	int opened, archived, mismatch, expired, sha1, untrusted, own;
	const char *recipients;
	int error; /* matrix_judge refuses */
	enum cell_dir dir;
	enum cell_state result;
	const char *says;
};
static const struct jcase jcases[] = {
	{"sam@example.org", "alice@example.org", KIND_PLAIN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL,
	 0, DIR_IN, CELL_PASSED, "from sam@example.org, arrived as plain text"},
	{"Sam@Example.org", "alice@example.org", KIND_SIGNED, 0, 1, SIG_VALID, 1, 0, 0, 0, 0, 0, 0,
	 0, NULL, 0, DIR_IN, CELL_PASSED, "from Sam@Example.org, valid signature, trusted"},
	{"sam@example.org", "alice@example.org", KIND_SIGNED, 0, 1, SIG_VALID, 1, 0, 0, 0, 0, 1, 0,
	 0, NULL, 0, DIR_IN, CELL_PASSED,
	 "valid signature (SHA-1: Thunderbird 115 and later reject it; their mail program should sign with SHA-256"},
	{"sam@example.org", "alice@example.org", KIND_SIGNED, 0, 1, SIG_INVALID, 1, 0, 0, 0, 0, 0,
	 0, 0, NULL, 0, DIR_IN, CELL_FAILED,
	 "the signature is invalid: the content does not match it. The message was changed after it was signed, most often on its way"},
	{"sam@example.org", "alice@example.org", KIND_SIGNED, 0, 1, SIG_UNCHECKABLE, 1, 0, 0, 0, 0,
	 0, 0, 0, NULL, 0, DIR_IN, CELL_FAILED, "the signature could not be checked"},
	{"sam@example.org", "alice@example.org", KIND_SIGNED, 0, 1, SIG_VALID, 3, 0, 0, 0, 0, 0, 0,
	 0, NULL, 0, DIR_IN, CELL_FAILED,
	 "signed with a certificate other than the one you verified for sam@example.org"},
	{"sam@example.org", "alice@example.org", KIND_SIGNED, 0, 1, SIG_VALID, 1, 0, 0, 1, 0, 0, 0,
	 0, NULL, 0, DIR_IN, CELL_FAILED, "but the message says it is from sam@example.org"},
	{"sam@example.org", "alice@example.org", KIND_SIGNED, 0, 1, SIG_VALID, 1, 0, 0, 0, 1, 0, 0,
	 0, NULL, 0, DIR_IN, CELL_FAILED, "was not valid when the message was signed"},
	{"sam@example.org", "alice@example.org", KIND_SIGNED, 0, 1, SIG_VALID, 1, 0, 0, 0, 0, 0, 1,
	 0, NULL, 0, DIR_IN, CELL_FAILED,
	 "you have not trusted the certificate of sam@example.org yet"},
	{"sam@example.org", "alice@example.org", KIND_ENCRYPTED, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	 NULL, 0, DIR_IN, CELL_PASSED, "from sam@example.org, decrypted (AES-256-CBC)"},
	{"sam@example.org", "alice@example.org", KIND_ENCRYPTED, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	 NULL, 0, DIR_IN, CELL_FAILED, "could not be decrypted: it is not addressed to you"},
	{"sam@example.org", "alice@example.org", KIND_ENCRYPTED, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0,
	 NULL, 0, DIR_IN, CELL_FAILED, "encrypted to your archived certificate"},
	{"sam@example.org", "alice@example.org", KIND_SIGNED_ENCRYPTED, 1, 1, SIG_VALID, 1, 1, 0, 0,
	 0, 0, 0, 0, NULL, 0, DIR_IN, CELL_PASSED,
	 "from sam@example.org, decrypted (AES-256-CBC), valid signature, trusted"},
	{"alice@example.org", "Sam Tester <x@y>, sam@example.org", KIND_SIGNED, 0, 1, SIG_VALID, 2,
	 0, 0, 0, 0, 0, 0, 0, NULL, 0, DIR_OUT, CELL_PASSED,
	 "to sam@example.org, valid signature by you"},
	{"alice@example.org", "sam@example.org", KIND_SIGNED, 0, 1, SIG_VALID, 3, 0, 0, 0, 0, 0, 0,
	 1, NULL, 0, DIR_OUT, CELL_FAILED, "signed with your archived certificate"},
	{"alice@example.org", "sam@example.org", KIND_SIGNED, 0, 1, SIG_VALID, 3, 0, 0, 0, 0, 0, 0,
	 0, NULL, 0, DIR_OUT, CELL_FAILED, "a certificate that is not yours"},
	{"alice@example.org", "sam@example.org", KIND_ENCRYPTED, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	 "you, sam@example.org", 0, DIR_OUT, CELL_PASSED,
	 "to sam@example.org, encrypted (AES-256-CBC) to sam@example.org and to you"},
	{"alice@example.org", "sam@example.org", KIND_ENCRYPTED, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	 "you", 0, DIR_OUT, CELL_FAILED, "encrypted only to you, not to sam@example.org"},
	{"alice@example.org", "sam@example.org", KIND_ENCRYPTED, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	 "sam@example.org", 0, DIR_OUT, CELL_FAILED,
	 "your mail program did not encrypt the copy it keeps to you (it is for sam@example.org only)"},
	{"kim@example.org", "alice@example.org", KIND_PLAIN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL,
	 1, DIR_IN, CELL_TODO,
	 "the message is from kim@example.org, who is not among your correspondents"},
	{"", "alice@example.org", KIND_PLAIN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, 1, DIR_IN,
	 CELL_TODO, "the message has no From address"},
	{"alice@example.org", "kim@example.org", KIND_PLAIN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL,
	 1, DIR_OUT, CELL_TODO,
	 "the message is from you to kim@example.org, who is not among your correspondents"},
	{"alice@example.org", "", KIND_PLAIN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, 1, DIR_OUT,
	 CELL_TODO, "has no To address"},
};

TestSuite(judge, .init = home_setup, .fini = home_teardown);

ParameterizedTestParameters(judge, cases)
{
	static size_t idx[sizeof jcases / sizeof jcases[0]];

	for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, sizeof idx / sizeof idx[0]);
}

ParameterizedTest(size_t *i, judge, cases)
{
	const struct jcase *c = &jcases[*i];
	struct cf_spec spec = {.key = CF_EC, .cn = "Sam Tester", .san = "email:sam@example.org"};
	struct msg_report rep;
	struct matrix_result res;
	struct err e = ERR_INIT;
	struct ident me;
	struct msg_layer *l;
	struct state *st;
	char sam[FPR_HEX_LEN];

	add_peer(&spec, !c->untrusted, sam, NULL, NULL);
	st = hold();
	cr_assert_eq(ident_current(session_home(s), st, now, &me, &e), 1);
	memset(&rep, 0, sizeof rep);
	snprintf(rep.from, sizeof rep.from, "%s", c->from);
	snprintf(rep.to, sizeof rep.to, "%s", c->to);
	rep.kind = c->kind;
	if (c->env) {
		l = &rep.layer[rep.n_layers++];
		l->kind = LAYER_ENVELOPED;
		snprintf(l->alg, sizeof l->alg, "AES-256-CBC");
		l->opened = c->opened;
		l->opened_with_archived = c->archived;
		snprintf(l->recipients, sizeof l->recipients, "%s",
			 c->recipients ? c->recipients : "you");
		if (!c->opened)
			snprintf(l->note, sizeof l->note,
				 "it is not addressed to you: it is for kim@example.org");
	}
	if (c->sig) {
		l = &rep.layer[rep.n_layers++];
		l->kind = LAYER_SIGNED;
		l->sig = c->state;
		snprintf(l->signer, sizeof l->signer, "%s",
			 c->signer == 2 ? "alice@example.org" : "sam@example.org");
		snprintf(l->signer_hex, sizeof l->signer_hex, "%s",
			 c->signer == 1 ? sam :
			 c->signer == 2 ? me.hex :
					  "0123456789ABCDEF");
		l->from_mismatch = c->mismatch;
		l->expired_at_signing = c->expired;
		l->sha1 = c->sha1;
		l->own = c->own;
	}
	if (c->error) {
		cr_assert_eq(matrix_judge(session_home(s), st, &me, &rep,
					  (const unsigned char *)"x", 1, &res, &e),
			     -1);
		cr_assert_not_null(strstr(e.msg, c->says), "\"%s\" not in \"%s\"", c->says, e.msg);
	} else {
		cr_assert_eq(matrix_judge(session_home(s), st, &me, &rep,
					  (const unsigned char *)"x", 1, &res, &e),
			     0, "%s", e.msg);
		cr_assert_eq(res.dir, c->dir);
		cr_assert_eq(res.kind, c->kind);
		cr_assert_eq(res.state, c->result, "%s", res.why);
		cr_assert_not_null(strstr(res.why, c->says), "\"%s\" not in \"%s\"", c->says,
				   res.why);
		cr_assert_str_eq(res.peer_hex, sam);
		cr_assert_eq(res.warning, c->sha1);
		/* recorded in the peer's record */
		cr_assert_eq(matrix_record(st, &res, &e), 0);
		cr_assert_eq(state_peer_by_hex(st, sam)->cell[res.dir][res.kind].state, c->result);
		/* with its reason when it failed or passed with a caveat */
		if (c->result == CELL_FAILED || c->sha1)
			cr_assert_str_eq(state_peer_by_hex(st, sam)->cell[res.dir][res.kind].why,
					 res.why);
		else
			cr_assert_null(state_peer_by_hex(st, sam)->cell[res.dir][res.kind].why);
	}
	session_end(s, 0);
	ident_clear(&me);
}

/* Two certificates for one address, neither trusted: which correspondent a
 * message belongs to cannot be told, and padseal says so. */
Test(judge, ambiguous_address)
{
	struct cf_spec spec = {.key = CF_EC, .san = "email:sam@example.org"};
	struct msg_report rep;
	struct matrix_result res;
	struct err e = ERR_INIT;
	struct ident me;
	struct state *st;

	add_peer(&spec, 0, NULL, NULL, NULL);
	add_peer(&spec, 0, NULL, NULL, NULL);
	st = hold();
	cr_assert_eq(ident_current(session_home(s), st, now, &me, &e), 1);
	memset(&rep, 0, sizeof rep);
	snprintf(rep.from, sizeof rep.from, "sam@example.org");
	snprintf(rep.to, sizeof rep.to, "alice@example.org");
	cr_assert_eq(matrix_judge(session_home(s), st, &me, &rep, (const unsigned char *)"x", 1,
				  &res, &e),
		     -1);
	cr_assert_not_null(strstr(e.msg, "sam@example.org matches 2 certificates"), "%s", e.msg);
	err_clear(&e);
	snprintf(rep.from, sizeof rep.from, "alice@example.org");
	snprintf(rep.to, sizeof rep.to, "sam@example.org");
	cr_assert_eq(matrix_judge(session_home(s), st, &me, &rep, (const unsigned char *)"x", 1,
				  &res, &e),
		     -1);
	cr_assert_not_null(strstr(e.msg, "sam@example.org matches 2 certificates"), "%s", e.msg);
	session_end(s, 1);
	ident_clear(&me);
}

/* For an envelope on the outside, the recipients are read from the message
 * itself (by certificate), not from the report's sentence. */
Test(judge, envelope_recipients_from_the_message)
{
	struct cf_spec spec = {.key = CF_RSA, .bits = 2048, .san = "email:sam@example.org"};
	X509 *sam_cert;
	struct smime_sender *snd;
	struct msg_report rep;
	struct matrix_result res;
	struct err e = ERR_INIT;
	struct ident me;
	struct state *st;
	char *msg;
	size_t len;

	add_peer(&spec, 1, NULL, &sam_cert, NULL);
	st = hold();
	snd = sender(st);
	cr_assert_eq(ident_current(session_home(s), st, now, &me, &e), 1);
	memset(&rep, 0, sizeof rep);
	snprintf(rep.from, sizeof rep.from, "alice@example.org");
	snprintf(rep.to, sizeof rep.to, "sam@example.org");
	rep.kind = KIND_ENCRYPTED;
	rep.n_layers = 1;
	rep.layer[0].kind = LAYER_ENVELOPED;
	rep.layer[0].opened = 1;
	/* only to herself, whatever the sentence says */
	cr_assert_eq(smime_sender_compose(snd, KIND_ENCRYPTED, NULL, "sam@example.org",
					  smime_sender_cert(snd), "x", "x", now, &msg, &len, &e),
		     0, "%s", e.msg);
	snprintf(rep.layer[0].recipients, sizeof rep.layer[0].recipients, "you, sam@example.org");
	cr_assert_eq(matrix_judge(session_home(s), st, &me, &rep, (unsigned char *)msg, len, &res,
				  &e),
		     0, "%s", e.msg);
	cr_assert_eq(res.state, CELL_FAILED, "%s", res.why);
	cr_assert_not_null(strstr(res.why, "encrypted only to you"), "%s", res.why);
	free(msg);
	/* to Sam too, though the sentence says only "you" */
	cr_assert_eq(smime_sender_compose(snd, KIND_ENCRYPTED, NULL, "sam@example.org", sam_cert,
					  "x", "x", now, &msg, &len, &e),
		     0, "%s", e.msg);
	snprintf(rep.layer[0].recipients, sizeof rep.layer[0].recipients, "you");
	cr_assert_eq(matrix_judge(session_home(s), st, &me, &rep, (unsigned char *)msg, len, &res,
				  &e),
		     0, "%s", e.msg);
	cr_assert_eq(res.state, CELL_PASSED, "%s", res.why);
	session_end(s, 1);
	free(msg);
	X509_free(sam_cert);
	ident_clear(&me);
	smime_sender_free(snd);
}

/* A disk that fills up: every kind fails with a sentence, nothing leaks
 * or crashes on the way out of the layers (run under ASan). */
ParameterizedTestParameters(compose, full_disk)
{
	static size_t idx[] = {0, 1, 2, 3};

	return cr_make_param_array(size_t, idx, 4);
}

ParameterizedTest(size_t *i, compose, full_disk)
{
	struct pair p;
	struct smime_msg m = {
		.kind = (enum cell_kind) * i,
		.from = "alice@example.org",
		.to = "sam@example.org",
		.subject = "x",
		.date = 0,
	};
	struct err e = ERR_INIT;
	char *text = malloc(200000);
	BIO *in, *full = BIO_new_file("/dev/full", "wb");

	cr_assert_not_null(full, "no /dev/full here");
	memset(text, 'x', 199999);
	text[199999] = '\0';
	in = BIO_new_mem_buf(text, -1);
	make_pair(CF_EC, "P-256", &p);
	m.cert = p.a;
	m.key = p.ka;
	m.recipient = p.b;
	cr_assert_eq(smime_compose(&m, in, full, &e), -1);
	cr_assert_not_null(strstr(e.msg, "could not"), "%s", e.msg);
	BIO_free(in);
	BIO_free(full);
	free(text);
	free_pair(&p);
}
