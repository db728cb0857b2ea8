/* smime — composing messages (see smime.h for the profile).
 *
 * The layers are BIO chains, so the text flows through once: quoted-
 * printable encoding (mimeout.c), then for signatures OpenSSL's digest
 * BIOs (CMS_dataInit on a detached SignedData, exactly what SMIME_write_CMS
 * does when streaming), then for envelopes the cipher and the
 * indefinite-length DER framing (BIO_new_NDEF), then base64 at 76 columns
 * with CRLF (mimeout's filter BIO: OpenSSL's base64 BIO writes 64 columns
 * and bare LF).  We write the MIME structure ourselves for the same reason:
 * SMIME_write_CMS mixes LF into CRLF messages. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "addr.h"
#include "cred.h"
#include "fpr.h"
#include "ident.h"
#include "isotime.h"
#include "mimeout.h"
#include "smime.h"
#include "xalloc.h"

/* --- the message headers ---------------------------------------------- */

static int
top_headers(const struct smime_msg *m, BIO *out, struct err *e)
{
	char date[40], id[40], *from = mimeout_mailbox(m->from_name, m->from);
	char *to = mimeout_mailbox(m->to_name, m->to), *subject = mimeout_text(m->subject);
	char *msgid = NULL;
	const char *at = strrchr(m->from, '@');
	int rc = -1;

	mimeout_date(m->date, date);
	if (mimeout_random_hex(id, 16, e) != 0)
		goto out;
	msgid = xasprintf("<%s@%s>", id, at && at[1] ? at + 1 : "padseal.invalid");
	if (mimeout_header(out, "From", from, e) == 0 && mimeout_header(out, "To", to, e) == 0 &&
	    mimeout_header(out, "Subject", subject, e) == 0 &&
	    mimeout_header(out, "Date", date, e) == 0 &&
	    mimeout_header(out, "Message-ID", msgid, e) == 0 &&
	    mimeout_header(out, "MIME-Version", "1.0", e) == 0)
		rc = 0;
out:
	free(from);
	free(to);
	free(subject);
	free(msgid);
	return rc;
}

/* --- the S/MIME layers ------------------------------------------------ */

/* Remove the BIOs pushed in front of `base` and free them. */
static void
unchain(BIO *head, BIO *base)
{
	while (head != NULL && head != base) {
		BIO *next = BIO_pop(head);

		BIO_free(head);
		head = next;
	}
}

static const char *
micalg(const EVP_MD *md)
{
	switch (EVP_MD_get_type(md)) {
	case NID_sha384: return "sha-384";
	case NID_sha512: return "sha-512";
	default: return "sha-256";
	}
}

/* A detached SignedData ready to stream: one signer named by issuer and
 * serial, with the chain, signingTime and our SMIMECapabilities. */
/* The signing time is the message's date (OpenSSL would read the clock). */
static int
signing_time(CMS_SignerInfo *si, time_t date)
{
	ASN1_TIME *t = X509_time_adj_ex(NULL, 0, 0, &date);
	int ok = t != NULL &&
		 CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t, -1) == 1;

	ASN1_TIME_free(t);
	return ok;
}

static CMS_ContentInfo *
new_signature(const struct smime_msg *m, const EVP_MD *md, struct err *e)
{
	unsigned flags = CMS_DETACHED | CMS_STREAM | CMS_PARTIAL | CMS_BINARY;
	STACK_OF(X509_ALGOR) *caps = NULL;
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, m->chain, NULL, flags);
	CMS_SignerInfo *si;

	if (cms == NULL ||
	    (si = CMS_add1_signer(cms, m->cert, m->key, md, flags | CMS_NOSMIMECAP)) == NULL ||
	    !CMS_add_simple_smimecap(&caps, NID_aes_256_cbc, -1) ||
	    !CMS_add_simple_smimecap(&caps, NID_aes_128_cbc, -1) || !CMS_add_smimecap(si, caps) ||
	    !signing_time(si, m->date)) {
		err_ossl(e, "could not prepare the signature");
		CMS_ContentInfo_free(cms);
		cms = NULL;
	}
	sk_X509_ALGOR_pop_free(caps, X509_ALGOR_free);
	return cms;
}

/* multipart/signed around the text entity: the text goes through the
 * digest BIOs on its way to `dst`, then the signature follows. */
static int
write_signed(const struct smime_msg *m, BIO *body, BIO *dst, struct err *e)
{
	const EVP_MD *md = cred_digest(m->key);
	CMS_ContentInfo *cms = new_signature(m, md, e);
	char b[48], ct[200];
	unsigned char *der = NULL;
	BIO *chain = NULL;
	int rc = -1, dlen;

	if (cms == NULL || mimeout_boundary(b, e) != 0)
		goto out;
	snprintf(ct, sizeof ct,
		 "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=%s; boundary=\"%s\"",
		 micalg(md), b);
	if (mimeout_header(dst, "Content-Type", ct, e) != 0 ||
	    mimeout_puts(dst,
			 "\r\nThis is a cryptographically signed message in MIME format.\r\n\r\n--",
			 e) != 0 ||
	    mimeout_puts(dst, b, e) != 0 || mimeout_puts(dst, "\r\n", e) != 0)
		goto out;
	if ((chain = CMS_dataInit(cms, dst)) == NULL) {
		err_ossl(e, "could not start the signature");
		goto out;
	}
	if (mimeout_text_entity(body, chain, NULL, e) != 0)
		goto out;
	if (!CMS_dataFinal(cms, chain)) {
		err_ossl(e, "could not sign the message");
		goto out;
	}
	unchain(chain, dst);
	chain = NULL;
	if ((dlen = i2d_CMS_ContentInfo(cms, &der)) <= 0) {
		err_ossl(e, "could not encode the signature");
		goto out;
	}
	if (mimeout_puts(dst, "\r\n--", e) != 0 || mimeout_puts(dst, b, e) != 0 ||
	    mimeout_puts(dst,
			 "\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n"
			 "Content-Transfer-Encoding: base64\r\n"
			 "Content-Disposition: attachment; filename=smime.p7s\r\n"
			 "Content-Description: S/MIME Cryptographic Signature\r\n\r\n",
			 e) != 0 ||
	    mimeout_b64_lines(dst, der, (size_t)dlen, e) != 0 || mimeout_puts(dst, "--", e) != 0 ||
	    mimeout_puts(dst, b, e) != 0 || mimeout_puts(dst, "--\r\n", e) != 0)
		goto out;
	rc = 0;
out:
	unchain(chain, dst);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	return rc;
}

/* EnvelopedData (AES-256-CBC) for the correspondent and the sender, its
 * content the text entity or, when `sign`, the multipart/signed one. */
static int
write_enveloped(const struct smime_msg *m, BIO *body, BIO *dst, int sign, struct err *e)
{
	STACK_OF(X509) *to = sk_X509_new_null();
	BIO_METHOD *meth = mimeout_b64_method();
	BIO *b64 = NULL, *ndef = NULL, *buf = NULL;
	CMS_ContentInfo *cms = NULL;
	int rc = -1;

	if (to == NULL || meth == NULL || !sk_X509_push(to, m->recipient) ||
	    !sk_X509_push(to, m->cert) ||
	    (cms = CMS_encrypt(to, NULL, EVP_aes_256_cbc(), CMS_BINARY | CMS_STREAM)) == NULL) {
		err_ossl(e, "could not prepare the encryption");
		goto out;
	}
	if (mimeout_header(dst, "Content-Type",
			   "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
			   e) != 0 ||
	    mimeout_puts(dst,
			 "Content-Transfer-Encoding: base64\r\n"
			 "Content-Disposition: attachment; filename=smime.p7m\r\n"
			 "Content-Description: S/MIME Encrypted Message\r\n\r\n",
			 e) != 0)
		goto out;
	if ((b64 = BIO_new(meth)) == NULL)
		goto ossl;
	BIO_push(b64, dst);
	/* The recipients' keys are wrapped here; then the content streams. */
	if ((ndef = BIO_new_NDEF(b64, (ASN1_VALUE *)cms, ASN1_ITEM_rptr(CMS_ContentInfo))) ==
		    NULL ||
	    (buf = BIO_new(BIO_f_buffer())) == NULL)
		goto ossl;
	BIO_push(buf, ndef);
	if ((sign ? write_signed(m, body, buf, e) : mimeout_text_entity(body, buf, NULL, e)) != 0)
		goto out;
	if (BIO_flush(buf) <= 0)
		goto ossl;
	rc = 0;
	goto out;
ossl:
	err_ossl(e, "could not encrypt the message");
out:
	if (buf != NULL)
		BIO_pop(buf);
	BIO_free(buf);
	unchain(ndef, b64);
	if (b64 != NULL)
		BIO_pop(b64);
	BIO_free(b64);
	BIO_meth_free(meth);
	CMS_ContentInfo_free(cms);
	sk_X509_free(to); /* the certificates are borrowed */
	return rc;
}

/* An address goes into a header as it is: nothing that could end the
 * field or the mailbox (a certificate may carry anything). */
static int
header_safe_address(const char *a, struct err *e)
{
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("<>\",;:()[]\\", *p) != NULL)
			return err_set(e, "the address \"%.100s\" cannot go into a mail header", a);
	if (strchr(a, '@') == NULL)
		return err_set(e, "\"%.100s\" is not a mail address", a);
	return 0;
}

int
smime_compose(const struct smime_msg *m, BIO *body, BIO *out, struct err *e)
{
	int sign = m->kind == KIND_SIGNED || m->kind == KIND_SIGNED_ENCRYPTED;
	int encrypt = m->kind == KIND_ENCRYPTED || m->kind == KIND_SIGNED_ENCRYPTED;
	int bol = 1, rc;

	if (m->from == NULL || m->to == NULL || m->subject == NULL ||
	    (sign && (m->cert == NULL || m->key == NULL)) ||
	    (encrypt && (m->cert == NULL || m->recipient == NULL)))
		return err_set(e,
			       "internal error: the message lacks a sender, recipient, subject, key or certificate");
	if (header_safe_address(m->from, e) != 0 || header_safe_address(m->to, e) != 0 ||
	    top_headers(m, out, e) != 0)
		return -1;
	switch (m->kind) {
	case KIND_PLAIN:
		rc = mimeout_text_entity(body, out, &bol, e);
		if (rc == 0 && !bol)
			rc = mimeout_puts(out, "\r\n", e);
		break;
	case KIND_SIGNED: rc = write_signed(m, body, out, e); break;
	default: rc = write_enveloped(m, body, out, sign, e);
	}
	if (rc == 0 && BIO_flush(out) <= 0)
		rc = err_ossl(e, "could not write the message");
	return rc;
}

int
smime_compose_mem(const struct smime_msg *m, const char *text, char **msg, size_t *len,
		  struct err *e)
{
	BIO *in = xcheck(BIO_new_mem_buf(text, -1));
	BIO *out = xcheck(BIO_new(BIO_s_mem()));
	char *data;
	long n;
	int rc = -1;

	*msg = NULL;
	*len = 0;
	if (smime_compose(m, in, out, e) != 0)
		goto out;
	n = BIO_get_mem_data(out, &data);
	*msg = xmalloc((size_t)n + 1);
	memcpy(*msg, data, (size_t)n);
	(*msg)[n] = '\0';
	*len = (size_t)n;
	rc = 0;
out:
	BIO_free(in);
	BIO_free(out);
	return rc;
}

/* --- may we sign, may we encrypt ------------------------------------- */

static int
check_validity(X509 *cert, time_t now, const char *who, int own, struct err *e)
{
	const ASN1_TIME *nb = X509_get0_notBefore(cert), *na = X509_get0_notAfter(cert);
	char when[ISO_TIME_LEN] = "?";
	int after = X509_cmp_time(na, &now), before = X509_cmp_time(nb, &now);

	if (after == 0 || before == 0)
		return err_ossl(e, "%s has a validity period that cannot be read", who);
	if (after < 0) {
		asn1_time_iso(na, when, sizeof when);
		return err_set(e,
			       own ? "%s expired on %s: create a new one with padseal create --replace" :
				     "%s expired on %s: ask them for their current certificate",
			       who, when);
	}
	if (before > 0) {
		asn1_time_iso(nb, when, sizeof when);
		return err_set(e, "%s is not valid until %s; check the computer's clock%s", who,
			       when, own ? "" : " or ask them for a certificate valid now");
	}
	return 0;
}

/* An extendedKeyUsage, when present, must allow mail. */
static int
check_eku(X509 *cert, const char *who, struct err *e)
{
	if ((X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) &&
	    !(X509_get_extended_key_usage(cert) & (XKU_SMIME | XKU_ANYEKU)))
		return err_set(e,
			       "%s is not for mail: its Extended Key Usage lacks emailProtection, so mail clients refuse it (padseal lint shows the details)",
			       who);
	return 0;
}

int
smime_can_encrypt_to(X509 *cert, time_t now, const char *who, struct err *e)
{
	EVP_PKEY *pk = X509_get0_pubkey(cert);
	int own = strncmp(who, "your ", 5) == 0;
	uint32_t ku = X509_get_key_usage(cert); /* all bits when absent */

	if (check_validity(cert, now, who, own, e) != 0 || check_eku(cert, who, e) != 0)
		return -1;
	switch (pk ? EVP_PKEY_get_base_id(pk) : EVP_PKEY_NONE) {
	case EVP_PKEY_RSA:
		if (!(ku & KU_KEY_ENCIPHERMENT))
			return err_set(e,
				       "%s does not allow encryption: its Key Usage lacks keyEncipherment, which an RSA key needs to receive encrypted mail (padseal lint shows the details)",
				       who);
		return 0;
	case EVP_PKEY_EC:
		if (!(ku & KU_KEY_AGREEMENT))
			return err_set(e,
				       "%s does not allow encryption: its Key Usage lacks keyAgreement, which an EC key needs to receive encrypted mail (padseal lint shows the details)",
				       who);
		return 0;
	default: {
		char desc[64];

		cert_key_desc(cert, desc, sizeof desc);
		return err_set(e, "%s has a %s key, which cannot receive encrypted mail", who,
			       desc);
	}
	}
}

int
smime_can_sign(X509 *cert, time_t now, struct err *e)
{
	if (check_validity(cert, now, "your certificate", 1, e) != 0 ||
	    check_eku(cert, "your certificate", e) != 0)
		return -1;
	if (!(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE))
		return err_set(e,
			       "your certificate does not allow signing: its Key Usage lacks digitalSignature; create a new one with padseal create --replace");
	return 0;
}

/* --- the sender -------------------------------------------------------- */

struct smime_sender {
	struct ident id;
	X509 *cert;
	EVP_PKEY *key;
	STACK_OF(X509) * chain;
};

int
smime_sender_open(const struct home *h, const struct state *st, EVP_PKEY *key, time_t now,
		  struct smime_sender **out, struct err *e)
{
	struct smime_sender *s = xcalloc(1, sizeof *s);
	int found;

	*out = NULL;
	if ((found = ident_current(h, st, now, &s->id, e)) <= 0) {
		if (found == 0)
			err_set(e, "there is no credential yet; create one first");
		goto fail;
	}
	if (s->id.n_emails == 0) {
		err_set(e, "your certificate has no email address to send from");
		goto fail;
	}
	if (ident_cert(h, s->id.hex, &s->cert, &s->chain, e) != 0)
		goto fail;
	if (!cred_key_matches(s->cert, key)) {
		err_set(e,
			"the key does not belong to your current certificate; this identity is damaged");
		goto fail;
	}
	EVP_PKEY_up_ref(key);
	s->key = key;
	if (smime_can_sign(s->cert, now, e) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	smime_sender_free(s);
	return -1;
}

void
smime_sender_free(struct smime_sender *s)
{
	if (s == NULL)
		return;
	ident_clear(&s->id);
	X509_free(s->cert);
	EVP_PKEY_free(s->key); /* clears the private key */
	sk_X509_pop_free(s->chain, X509_free);
	free(s);
}

const char *
smime_sender_address(const struct smime_sender *s)
{
	return s->id.emails[0];
}

const char *
smime_sender_name(const struct smime_sender *s)
{
	return s->id.name ? s->id.name : "";
}

const char *
smime_sender_hex(const struct smime_sender *s)
{
	return s->id.hex;
}

X509 *
smime_sender_cert(const struct smime_sender *s)
{
	return s->cert;
}

int
smime_sender_compose(const struct smime_sender *s, enum cell_kind kind, const char *to_name,
		     const char *to, X509 *recipient, const char *subject, const char *text,
		     time_t now, char **msg, size_t *len, struct err *e)
{
	struct smime_msg m = {
		.kind = kind,
		.from_name = smime_sender_name(s),
		.from = smime_sender_address(s),
		.to_name = to_name,
		.to = to,
		.subject = subject,
		.date = now,
		.cert = s->cert,
		.key = s->key,
		.recipient = recipient,
		.chain = sk_X509_num(s->chain) > 0 ? s->chain : NULL,
	};
	char who[400];

	*msg = NULL;
	*len = 0;
	if (kind == KIND_ENCRYPTED || kind == KIND_SIGNED_ENCRYPTED) {
		snprintf(who, sizeof who, "the certificate of %s", to);
		if (recipient == NULL)
			return err_set(e, "there is no certificate of %s to encrypt to", to);
		if (smime_can_encrypt_to(recipient, now, who, e) != 0 ||
		    smime_can_encrypt_to(s->cert, now, "your certificate", e) != 0)
			return -1;
	}
	return smime_compose_mem(&m, text, msg, len, e);
}

/* --- the introduction -------------------------------------------------- */

int
smime_intro(const struct smime_sender *s, const char *to, time_t now, char **msg, size_t *len,
	    struct err *e)
{
	const char *me = smime_sender_address(s);
	int ca = s->id.form != FORM_SELF_SIGNED && s->id.ca_fpr[0];
	char grouped[FPR_GROUPED_LEN + 64], *text = NULL;
	size_t g = 0;
	int rc;

	*msg = NULL;
	*len = 0;
	if (addr_check(to, e) != 0)
		return -1;
	for (size_t i = 0; i < s->id.n_emails; i++)
		if (addr_eq(to, s->id.emails[i]))
			return err_set(e,
				       "%s is your own address; send the introduction to a correspondent",
				       to);
	/* The grouped fingerprint, indented two columns: for the CA form the
	 * CA's, the one compared by phone (trust.h). */
	for (const char *p = ca ? s->id.ca_grouped : s->id.grouped; *p && g + 8 < sizeof grouped;) {
		size_t n = strcspn(p, "\n");

		g += (size_t)snprintf(grouped + g, sizeof grouped - g, "  %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	text = xasprintf("Hello,\n\n"
			 "this message brings you my certificate, so that we can send each\n"
			 "other signed and encrypted mail (S/MIME). It is signed but not\n"
			 "encrypted: the certificate travels inside the signature.\n\n"
			 "Before you rely on it, make sure it really is mine. Call me (not by\n"
			 "mail: whoever could change this message could change a reply too)\n"
			 "and compare the fingerprint your mail program or padseal shows for my\n"
			 "%s with the one I read out to you. It must be\n\n"
			 "SHA-256, in numbered groups:\n%s\n"
			 "or, as most programs print it:\n%s\n\n"
			 "What to do next:\n"
			 "1. Keep my certificate. Thunderbird, Apple Mail and Outlook store it\n"
			 "   when they show this message. With padseal, save this message as a\n"
			 "   file and run: padseal import FILE\n"
			 "2. Call me and compare the fingerprint above; I compare yours too.\n"
			 "3. When it matches, trust my certificate (padseal trust %s\n"
			 "   --verified phone) and send me yours the same way (padseal intro\n"
			 "   --to %s). Then we each send four test messages.\n\n"
			 "%s\n%s\n",
			 ca ? "own certificate authority (the CA that issued my certificate;\n"
			      "a renewal by it will need no new call)" :
			      "certificate",
			 grouped, ca ? s->id.ca_fpr : s->id.fpr, me, me, smime_sender_name(s), me);
	rc = smime_sender_compose(s, KIND_SIGNED, NULL, to, NULL,
				  "My certificate for signed and encrypted mail", text, now, msg,
				  len, e);
	free(text);
	return rc;
}
