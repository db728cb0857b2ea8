/* msg_cms — the S/MIME layers of a message, for msg.c's walk: signatures
 * (multipart/signed and opaque signed-data) checked over the bytes
 * received and judged against the home (own, pinned, changed), envelopes
 * listed by recipient and opened with the identities they are addressed
 * to, and a small BER reader for what OpenSSL 3.0 does not tell (the
 * content-encryption algorithm, also of a message cut short).  Decrypted
 * content is kept until the walk ends, in the secure heap when it fits
 * there, and wiped when freed. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/buffer.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "addr.h"
#include "cred.h"
#include "fpr.h"
#include "ident.h"
#include "mime.h"
#include "msg.h"
#include "msg_int.h"
#include "peer.h"
#include "trust.h"
#include "xalloc.h"

/* --- certificates and notes ---------------------------------------------- */

/* The first address of a certificate, else its common name. */
static void
cert_main(X509 *x, char *out, size_t len)
{
	char **emails;
	size_t n = cert_emails(x, &emails);

	if (n > 0) {
		msg_copy(out, len, emails[0]);
	} else {
		char *cn = cert_common_name(x);

		msg_copy(out, len, cn);
		free(cn);
	}
	cert_emails_free(emails, n);
}

static int
cert_has_address(X509 *x, const char *addr)
{
	char **emails;
	size_t n = cert_emails(x, &emails);
	int found = 0;

	for (size_t i = 0; i < n && !found; i++)
		found = addr_eq(emails[i], addr);
	cert_emails_free(emails, n);
	return found;
}

/* A layer's note; cut to fit (vsnprintf: the length is not known here). */
static void __attribute__((format(printf, 2, 3)))
set_note(struct msg_layer *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->note, sizeof l->note, fmt, ap);
	va_end(ap);
}

/* --- layers -------------------------------------------------------------- */

struct msg_layer *
msg_add_layer(struct walk *w, enum layer_kind kind)
{
	struct msg_layer *l;

	if (w->r->n_layers == MSG_MAX_LAYERS) {
		err_set(w->e,
			"the message has more than %d S/MIME layers inside each other; padseal stops there",
			MSG_MAX_LAYERS);
		return NULL;
	}
	l = &w->r->layer[w->r->n_layers++];
	memset(l, 0, sizeof *l);
	l->kind = kind;
	l->sig = SIG_UNCHECKABLE;
	return l;
}

static const struct {
	int nid;
	const char *name;
} alg_names[] = {
	{NID_sha1, "SHA-1"},
	{NID_sha224, "SHA-224"},
	{NID_sha256, "SHA-256"},
	{NID_sha384, "SHA-384"},
	{NID_sha512, "SHA-512"},
	{NID_md5, "MD5"},
	{NID_aes_128_cbc, "AES-128-CBC"},
	{NID_aes_192_cbc, "AES-192-CBC"},
	{NID_aes_256_cbc, "AES-256-CBC"},
	{NID_aes_128_gcm, "AES-128-GCM"},
	{NID_aes_192_gcm, "AES-192-GCM"},
	{NID_aes_256_gcm, "AES-256-GCM"},
	{NID_des_ede3_cbc, "3DES-CBC"},
	{NID_rc2_cbc, "RC2-CBC"},
	{NID_des_cbc, "DES-CBC"},
	{NID_chacha20_poly1305, "ChaCha20-Poly1305"},
};

void
msg_alg_name(int nid, const ASN1_OBJECT *obj, char *out, size_t len)
{
	for (size_t i = 0; i < sizeof alg_names / sizeof alg_names[0]; i++)
		if (alg_names[i].nid == nid) {
			msg_copy(out, len, alg_names[i].name);
			return;
		}
	if (nid != NID_undef)
		msg_copy(out, len, OBJ_nid2sn(nid));
	else if (obj == NULL || OBJ_obj2txt(out, (int)len, obj, 1) <= 0)
		msg_copy(out, len, "unknown");
}

/* --- a tiny BER reader: the CMS content type and the content-encryption
 * algorithm, which OpenSSL 3.0 does not expose, and which can still be
 * read from a message that was cut short. */

struct tlv {
	unsigned char tag;
	const unsigned char *hdr, *val, *end; /* end NULL: indefinite, unknown */
};

static int
tlv_read(const unsigned char *p, const unsigned char *end, struct tlv *t)
{
	size_t len = 0, nb;

	if (end - p < 2 || (p[0] & 0x1f) == 0x1f)
		return -1;
	t->tag = p[0];
	t->hdr = p;
	if (p[1] == 0x80) {
		t->val = p + 2;
		t->end = NULL;
		return 0;
	}
	if (p[1] < 0x80) {
		len = p[1];
		t->val = p + 2;
	} else {
		nb = p[1] & 0x7f;
		if (nb > sizeof(size_t) || (size_t)(end - p - 2) < nb)
			return -1;
		for (size_t i = 0; i < nb; i++)
			len = len << 8 | p[2 + i];
		t->val = p + 2 + nb;
	}
	t->end = (size_t)(end - t->val) >= len ? t->val + len : NULL;
	return t->end ? 0 : -1;
}

/* The element after `t` (an indefinite one is walked to its end). */
static const unsigned char *
tlv_skip(const struct tlv *t, const unsigned char *end, int depth)
{
	const unsigned char *p = t->val;

	if (t->end != NULL)
		return t->end;
	if (depth > 32)
		return NULL;
	while (p != NULL && end - p >= 2 && !(p[0] == 0 && p[1] == 0)) {
		struct tlv c;

		if (tlv_read(p, end, &c) != 0)
			return NULL;
		p = tlv_skip(&c, end, depth + 1);
	}
	return p != NULL && end - p >= 2 ? p + 2 : NULL;
}

static int
tlv_oid(const struct tlv *t, const unsigned char *end, ASN1_OBJECT **obj)
{
	const unsigned char *q = t->hdr;

	*obj = NULL;
	if (t->tag != V_ASN1_OBJECT || t->end == NULL)
		return NID_undef;
	*obj = d2i_ASN1_OBJECT(NULL, &q, (long)(t->end - t->hdr));
	(void)end;
	return *obj ? OBJ_obj2nid(*obj) : NID_undef;
}

/* Content type of a CMS structure and, for (auth)enveloped data, the name
 * of its content-encryption algorithm into `alg`. */
static int
ber_info(const unsigned char *p, size_t n, char *alg, size_t alglen)
{
	const unsigned char *end = p + n, *q;
	struct tlv t;
	ASN1_OBJECT *obj = NULL;
	int type = NID_undef, nid;

	msg_copy(alg, alglen, "");
	if (tlv_read(p, end, &t) != 0 || t.tag != 0x30 || tlv_read(t.val, end, &t) != 0 ||
	    (type = tlv_oid(&t, end, &obj)) == NID_undef)
		goto out;
	if (type != NID_pkcs7_enveloped && type != NID_id_smime_ct_authEnvelopedData)
		goto out;
	/* [0] { SEQUENCE { version, [0] originatorInfo OPTIONAL,
	 * SET recipientInfos, SEQUENCE { contentType, AlgorithmIdentifier } } } */
	if ((q = t.end) == NULL || tlv_read(q, end, &t) != 0 || t.tag != 0xa0 ||
	    tlv_read(t.val, end, &t) != 0 || t.tag != 0x30 || tlv_read(t.val, end, &t) != 0 ||
	    (q = tlv_skip(&t, end, 0)) == NULL || tlv_read(q, end, &t) != 0)
		goto out;
	if (t.tag == 0xa0 && ((q = tlv_skip(&t, end, 0)) == NULL || tlv_read(q, end, &t) != 0))
		goto out;
	if (t.tag != 0x31 || (q = tlv_skip(&t, end, 0)) == NULL || tlv_read(q, end, &t) != 0 ||
	    t.tag != 0x30 || tlv_read(t.val, end, &t) != 0 || (q = tlv_skip(&t, end, 0)) == NULL ||
	    tlv_read(q, end, &t) != 0 || t.tag != 0x30 || tlv_read(t.val, end, &t) != 0)
		goto out;
	ASN1_OBJECT_free(obj);
	nid = tlv_oid(&t, end, &obj);
	if (obj != NULL)
		msg_alg_name(nid, obj, alg, alglen);
out:
	ASN1_OBJECT_free(obj);
	return type;
}

/* Straight from memory: d2i_CMS_bio would first copy all of it. */
CMS_ContentInfo *
msg_parse_cms(const unsigned char *p, size_t n)
{
	const unsigned char *q = p;
	CMS_ContentInfo *cms =
		d2i_CMS_ContentInfo(NULL, &q, (long)(n > 0x7fffffff ? 0x7fffffff : n));

	ERR_clear_error();
	return cms;
}

/* --- signatures ---------------------------------------------------------- */

static void
signing_time(CMS_SignerInfo *si, time_t now, time_t *t, char *iso, size_t len)
{
	int i = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
	X509_ATTRIBUTE *a = i >= 0 ? CMS_signed_get_attr(si, i) : NULL;
	ASN1_TYPE *v = a ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;

	*t = now;
	msg_copy(iso, len, "");
	if (v != NULL && (v->type == V_ASN1_UTCTIME || v->type == V_ASN1_GENERALIZEDTIME)) {
		time_t st = asn1_time_t((const ASN1_TIME *)v->value.asn1_string);

		if (st != (time_t)-1) {
			*t = st;
			asn1_time_iso((const ASN1_TIME *)v->value.asn1_string, iso, len);
		}
	}
}

/* What the home says about the signer: own, pinned, changed. */
static void
judge_signer(struct walk *w, struct msg_layer *l, CMS_ContentInfo *cms, X509 *x, time_t signed_t)
{
	const struct state *st = w->ctx->st;
	STACK_OF(X509) *carried = CMS_get1_certs(cms);
	X509 *ca = peer_ca_find(x, carried);
	unsigned char *der = NULL;
	int n;

	fpr_cert_hex(x, l->signer_hex);
	fpr_cert_colon(x, l->signer_fpr);
	cert_main(x, l->signer, sizeof l->signer);
	if ((n = i2d_X509(x, &der)) > 0) {
		l->signer_der = xmemdup(der, (size_t)n);
		l->signer_der_len = (size_t)n;
	}
	OPENSSL_free(der);
	der = NULL;
	if (ca != NULL && (n = i2d_X509(ca, &der)) > 0) {
		l->signer_ca_der = xmemdup(der, (size_t)n);
		l->signer_ca_der_len = (size_t)n;
	}
	OPENSSL_free(der);
	sk_X509_pop_free(carried, X509_free);
	ERR_clear_error();
	for (size_t i = 0; i < w->n_own; i++)
		if (strcmp(w->own[i].hex, l->signer_hex) == 0)
			l->own = l->trusted = l->held = 1;
	if (st != NULL && !l->own) {
		struct trust_status ts;

		trust_status_cert(st, x, &ts);
		l->held = ts.known;
		l->trusted = ts.trusted;
		l->renewed = ts.renewed;
		/* Not pinned itself, but issued by the CA verified for its
		 * addresses: a renewal (trust.h). */
		if (!ts.trusted && !ts.retired &&
		    trust_renewal_of(w->ctx->h, st, x, w->ctx->now) != NULL) {
			l->trusted = l->renewed = 1;
			ts.changed = NULL;
		}
		if (ts.changed != NULL) {
			l->changed = 1;
			peer_colon(ts.changed, l->known_fpr);
		}
	}
	l->from_mismatch = w->r->from[0] && !cert_has_address(x, w->r->from);
	l->expired_at_signing = X509_cmp_time(X509_get0_notBefore(x), &signed_t) > 0 ||
				X509_cmp_time(X509_get0_notAfter(x), &signed_t) < 0;
}

/* Why CMS_verify failed, from OpenSSL's error queue. */
static enum sig_state
verify_failure(char *note, size_t len)
{
	unsigned long code;
	int content = 0, sig = 0, nocert = 0;
	char detail[160] = "";

	while ((code = ERR_get_error()) != 0) {
		if (ERR_GET_LIB(code) == ERR_LIB_CMS) {
			content |= ERR_GET_REASON(code) == CMS_R_CONTENT_VERIFY_ERROR;
			sig |= ERR_GET_REASON(code) == CMS_R_VERIFICATION_FAILURE;
			nocert |= ERR_GET_REASON(code) == CMS_R_SIGNER_CERTIFICATE_NOT_FOUND;
		}
		if (detail[0] == '\0')
			ERR_error_string_n(code, detail, sizeof detail);
	}
	if (content) {
		msg_copy(note, len, "the content was changed after signing");
		return SIG_INVALID;
	}
	if (sig) {
		msg_copy(note, len, "the signature does not match: it was damaged or forged");
		return SIG_INVALID;
	}
	if (nocert) {
		msg_copy(note, len,
			 "the signature does not include the signer's certificate and you do not hold it");
		return SIG_UNCHECKABLE;
	}
	snprintf(note, len, "the signature cannot be checked (%s)",
		 detail[0] ? detail : "unknown reason");
	return SIG_UNCHECKABLE;
}

/* The certificates that may have made the signature `si`, best first:
 * those the message carries that it names, then the user's own and the
 * correspondents' certificates of the same issuer and serial number (found
 * by index: no other certificate is read).  Only a certificate whose key
 * verifies the signature will be taken as the signer, so a certificate that
 * merely copies another's issuer and serial number captures nothing. */
static STACK_OF(X509) * signer_candidates(struct walk *w, CMS_ContentInfo *cms, CMS_SignerInfo *si)
{
	STACK_OF(X509) *out = sk_X509_new_null(), *carried = CMS_get1_certs(cms);
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	char isn[FPR_ISN_LEN] = "";

	if (out == NULL)
		abort();
	for (int i = 0; carried != NULL && i < sk_X509_num(carried); i++) {
		X509 *x = sk_X509_value(carried, i);

		if (CMS_SignerInfo_cert_cmp(si, x) == 0 && X509_up_ref(x))
			sk_X509_push(out, x);
	}
	sk_X509_pop_free(carried, X509_free);
	if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial) == 1 && issuer != NULL &&
	    serial != NULL)
		fpr_isn_of(issuer, serial, isn);
	for (size_t i = 0; i < w->n_own; i++)
		if (CMS_SignerInfo_cert_cmp(si, w->own[i].cert) == 0 && X509_up_ref(w->own[i].cert))
			sk_X509_push(out, w->own[i].cert);
	if (isn[0] && w->ctx->st != NULL && w->ctx->h != NULL) {
		const struct st_peer *p;
		size_t it = 0;

		while ((p = state_peer_by_isn(w->ctx->st, isn, &it)) != NULL) {
			struct err ignore = ERR_INIT;
			X509 *x = NULL;

			if (peer_cert(w->ctx->h, p, &x, &ignore) == 0 &&
			    CMS_SignerInfo_cert_cmp(si, x) == 0)
				sk_X509_push(out, x);
			else
				X509_free(x);
		}
	}
	ERR_clear_error();
	return out;
}

/* The first signer of `cms` over content already hashed into the digest
 * BIOs of `chain` (msg_stream.c): what CMS_verify checks, in its order. */
static int
verify_digested(CMS_ContentInfo *cms, CMS_SignerInfo *si, BIO *chain)
{
	if (sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)) != 1)
		return -1;
	if (CMS_signed_get_attr_count(si) >= 0 && CMS_SignerInfo_verify(si) <= 0)
		return 0;
	if (CMS_SignerInfo_verify_content(si, chain) <= 0) {
		ERR_raise(ERR_LIB_CMS, CMS_R_CONTENT_VERIFY_ERROR);
		return 0;
	}
	return 1;
}

int
msg_verify(struct walk *w, CMS_ContentInfo *cms, struct msg_layer *l, BIO *dcont, BIO *digested)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	STACK_OF(X509) * cands;
	CMS_SignerInfo *si;
	X509 *signer = NULL;
	X509_ALGOR *dig = NULL;
	const ASN1_OBJECT *obj = NULL;
	char note[sizeof l->note] = "";
	enum sig_state best = SIG_UNCHECKABLE;
	time_t t;

	if (sis == NULL || sk_CMS_SignerInfo_num(sis) == 0) {
		msg_copy(l->note, sizeof l->note, "the signature has no signer in it");
		return 0;
	}
	if (digested != NULL && sk_CMS_SignerInfo_num(sis) != 1)
		return -1;
	si = sk_CMS_SignerInfo_value(sis, 0);
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	if (dig != NULL) {
		X509_ALGOR_get0(&obj, NULL, NULL, dig);
		msg_alg_name(OBJ_obj2nid(obj), obj, l->alg, sizeof l->alg);
		l->sha1 = OBJ_obj2nid(obj) == NID_sha1;
	}
	signing_time(si, w->ctx->now, &t, l->signed_at, sizeof l->signed_at);
	cands = signer_candidates(w, cms, si);
	for (int i = 0; i < sk_X509_num(cands) && best != SIG_VALID; i++) {
		X509 *x = sk_X509_value(cands, i);
		enum sig_state s;
		char why[sizeof l->note];

		CMS_SignerInfo_set1_signer_cert(si, x);
		if (dcont != NULL)
			(void)BIO_reset(dcont);
		if (digested != NULL ? verify_digested(cms, si, digested) == 1 :
				       CMS_verify(cms, NULL, NULL, dcont, NULL,
						  CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY |
							  CMS_NOINTERN) == 1) {
			s = SIG_VALID;
			ERR_clear_error();
		} else {
			s = verify_failure(why, sizeof why);
		}
		/* The first candidate names the signer unless another one's
		 * key is the one that signed. */
		if (signer == NULL || s == SIG_VALID) {
			signer = x;
			best = s;
			if (s != SIG_VALID)
				msg_copy(note, sizeof note, why);
		}
	}
	if (signer != NULL) {
		STACK_OF(X509) *carried = CMS_get1_certs(cms);

		l->cert_missing = 1;
		for (int i = 0; carried != NULL && i < sk_X509_num(carried); i++)
			if (X509_cmp(sk_X509_value(carried, i), signer) == 0)
				l->cert_missing = 0;
		sk_X509_pop_free(carried, X509_free);
		judge_signer(w, l, cms, signer, t);
		l->sig = best;
		msg_copy(l->note, sizeof l->note, best == SIG_VALID ? "" : note);
	} else {
		l->sig = SIG_UNCHECKABLE;
		msg_copy(l->note, sizeof l->note,
			 "the signature does not include the signer's certificate and you do not hold it");
	}
	sk_X509_pop_free(cands, X509_free);
	return 0;
}

/* multipart/signed: the first part as received, the second the signature. */
int
msg_detached(struct walk *w, const struct mime_entity *m, int depth)
{
	struct mime_iter it;
	const unsigned char *body = NULL, *sig = NULL;
	size_t blen = 0, slen = 0;
	struct msg_layer *l = msg_add_layer(w, LAYER_SIGNED);
	struct mime_entity sm;
	struct mime_data d;
	CMS_ContentInfo *cms = NULL;

	if (l == NULL)
		return -1;
	if (mime_parts_begin(m, &it) == 0 && mime_parts_next(&it, &body, &blen))
		mime_parts_next(&it, &sig, &slen);
	if (body == NULL) {
		msg_copy(l->note, sizeof l->note,
			 "the signed message is damaged: its parts cannot be found");
		return 0;
	}
	if (sig == NULL) {
		msg_copy(l->note, sizeof l->note,
			 "the signed message is damaged: the signature part is missing");
	} else {
		mime_parse(sig, slen, MIME_LENIENT, NULL, &sm, NULL);
		mime_decode_body(&sm, &d);
		cms = msg_parse_cms(d.p, d.len);
		mime_data_free(&d);
		mime_entity_free(&sm);
		if (cms == NULL)
			msg_copy(l->note, sizeof l->note,
				 "the signature part is damaged: it is not a readable S/MIME signature");
	}
	if (cms != NULL) {
		unsigned char *canon;
		size_t clen;
		BIO *in;

		mime_canon(body, blen, &canon, &clen);
		/* Behind a null filter: handed a memory BIO, CMS_verify reads
		 * a copy of it that it never frees when the SignedData names
		 * a digest OpenSSL cannot compute (CMS_dataInit fails; still so
		 * in OpenSSL 3.0.19 and upstream's crypto/cms/cms_smime.c). */
		in = xcheck(BIO_new_mem_buf(canon ? canon : body, (int)clen));
		in = BIO_push(xcheck(BIO_new(BIO_f_null())), in);
		msg_verify(w, cms, l, in, NULL);
		BIO_free_all(in);
		if (canon != NULL)
			OPENSSL_clear_free(canon, clen);
		CMS_ContentInfo_free(cms);
	}
	return msg_walk(w, body, blen, depth + 1);
}

/* Opaque signed-data: the content is inside the signature. */
static int
opaque(struct walk *w, CMS_ContentInfo *cms, int depth)
{
	ASN1_OCTET_STRING **pos = CMS_get0_content(cms);
	struct msg_layer *l = msg_add_layer(w, LAYER_SIGNED);

	if (l == NULL) {
		CMS_ContentInfo_free(cms);
		return -1;
	}
	l->opaque = 1;
	if (pos == NULL || *pos == NULL) {
		msg_copy(l->note, sizeof l->note,
			 "the signed content is missing from the signature");
		CMS_ContentInfo_free(cms);
		return 0;
	}
	msg_verify(w, cms, l, NULL, NULL);
	w->opaque[w->n_opaque++] = cms; /* its content is walked in place */
	return msg_walk(w, (*pos)->data, (size_t)(*pos)->length, depth + 1);
}

/* --- envelopes ----------------------------------------------------------- */

static void
describe_id(ASN1_OCTET_STRING *keyid, X509_NAME *issuer, ASN1_INTEGER *sno, char *out, size_t len)
{
	char cn[128] = "", serial[80] = "";
	BIGNUM *bn;
	char *hex;

	if (issuer != NULL && sno != NULL) {
		X509_NAME_get_text_by_NID(issuer, NID_commonName, cn, sizeof cn);
		if ((bn = ASN1_INTEGER_to_BN(sno, NULL)) != NULL && (hex = BN_bn2hex(bn)) != NULL) {
			snprintf(serial, sizeof serial, "%.24s%s", hex,
				 strlen(hex) > 24 ? "..." : "");
			OPENSSL_free(hex);
		}
		BN_free(bn);
		snprintf(out, len, "a certificate of \"%s\" (serial %s)",
			 cn[0] ? cn : "unnamed issuer", serial);
	} else if (keyid != NULL) {
		char h[FPR_HEX_LEN];

		fpr_hex(keyid->data, keyid->length > FPR_MAX ? FPR_MAX : (size_t)keyid->length, h);
		snprintf(out, len, "key id %.16s", h);
	} else {
		msg_copy(out, len, "someone with a password or a shared key");
	}
}

/* Name one recipient; 1 when it is one of our identities (marked). */
typedef int (*cmp_fn)(void *ri, X509 *cert);

static int
ktri_cmp(void *ri, X509 *x)
{
	return CMS_RecipientInfo_ktri_cert_cmp(ri, x);
}

static int
rek_cmp(void *rek, X509 *x)
{
	return CMS_RecipientEncryptedKey_cert_cmp(rek, x);
}

/* One recipient: 1 when it is one of the user's identities (marked in
 * `mine`, named "you"); else named by a correspondent's certificate of the
 * same issuer and serial number, or by its issuer and serial. */
static int
name_recipient(struct walk *w, void *ri, cmp_fn cmp, int *mine, ASN1_OCTET_STRING *keyid,
	       X509_NAME *issuer, ASN1_INTEGER *sno, char *name, size_t len)
{
	const struct st_peer *p = NULL;
	char isn[FPR_ISN_LEN] = "";
	size_t it = 0;
	int us = 0;

	for (size_t i = 0; i < w->n_own; i++)
		if (cmp(ri, w->own[i].cert) == 0)
			mine[i] = us = 1;
	if (us) {
		msg_copy(name, len, "you");
		return 1;
	}
	if (issuer != NULL && sno != NULL)
		fpr_isn_of(issuer, sno, isn);
	if (isn[0] && w->ctx->st != NULL)
		p = state_peer_by_isn(w->ctx->st, isn, &it);
	if (p != NULL)
		msg_copy(name, len, p->addr[0]);
	else
		describe_id(keyid, issuer, sno, name, len);
	return 0;
}

/* List the recipients into the layer; mine[i] is set for each own identity
 * the envelope is addressed to.  Returns how many of those there are. */
int
msg_recipients(struct walk *w, CMS_ContentInfo *cms, struct msg_layer *l, int *mine)
{
	STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
	char name[400], others[sizeof l->recipients] = "";
	int count = 0;

	for (int i = 0; i < sk_CMS_RecipientInfo_num(ris); i++) {
		CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(ris, i);
		ASN1_OCTET_STRING *keyid = NULL;
		X509_NAME *issuer = NULL;
		ASN1_INTEGER *sno = NULL;

		if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_TRANS) {
			if (!CMS_RecipientInfo_ktri_get0_signer_id(ri, &keyid, &issuer, &sno))
				keyid = NULL, issuer = NULL, sno = NULL;
			count += name_recipient(w, ri, ktri_cmp, mine, keyid, issuer, sno, name,
						sizeof name);
			if (strcmp(name, "you") != 0)
				msg_add_name(others, sizeof others, name);
		} else if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_AGREE) {
			STACK_OF(CMS_RecipientEncryptedKey) *reks =
				CMS_RecipientInfo_kari_get0_reks(ri);

			for (int j = 0; j < sk_CMS_RecipientEncryptedKey_num(reks); j++) {
				CMS_RecipientEncryptedKey *rek =
					sk_CMS_RecipientEncryptedKey_value(reks, j);

				if (!CMS_RecipientEncryptedKey_get0_id(rek, &keyid, NULL, NULL,
								       &issuer, &sno))
					keyid = NULL, issuer = NULL, sno = NULL;
				count += name_recipient(w, rek, rek_cmp, mine, keyid, issuer, sno,
							name, sizeof name);
				if (strcmp(name, "you") != 0)
					msg_add_name(others, sizeof others, name);
			}
		} else {
			describe_id(NULL, NULL, NULL, name, sizeof name);
			msg_add_name(others, sizeof others, name);
		}
	}
	/* "you" first: it is what the reader looks for. */
	msg_copy(l->recipients, sizeof l->recipients, count ? "you" : "");
	if (count && others[0])
		msg_add_name(l->recipients, sizeof l->recipients, others);
	else if (others[0])
		msg_copy(l->recipients, sizeof l->recipients, others);
	return count;
}

/* A memory BIO writing into *out, reserved for `size` bytes (a growing
 * buffer would hold the plaintext twice while it is copied): in OpenSSL's
 * secure heap when one was set up (xsecure_heap_init) and it has room,
 * else in ordinary memory; wiped when freed either way (BUF_MEM_free). */
static BIO *
plain_bio(size_t size, BUF_MEM **out)
{
	BIO *bio = xcheck(BIO_new(BIO_s_mem()));

	*out = NULL;
	if (CRYPTO_secure_malloc_initialized()) {
		*out = xcheck(BUF_MEM_new_ex(BUF_MEM_FLAG_SECURE));
		if (!BUF_MEM_grow_clean(*out, size)) { /* the secure heap is full */
			BUF_MEM_free(*out);
			*out = NULL;
			ERR_clear_error();
		}
	}
	if (*out == NULL) {
		*out = xcheck(BUF_MEM_new());
		if (!BUF_MEM_grow_clean(*out, size))
			xalloc_die();
	}
	(*out)->length = 0;
	BIO_set_mem_buf(bio, *out, BIO_NOCLOSE);
	return bio;
}

/* Decrypt with the identities the envelope is for; the content into *out.
 * `size` (the envelope's size) bounds the content's. */
static int
decrypt(struct walk *w, CMS_ContentInfo *cms, struct msg_layer *l, const int *mine, size_t size,
	BUF_MEM **out)
{
	int unlocked = 0;
	char why[200] = "";

	if (w->ctx->key == NULL) {
		msg_copy(l->note, sizeof l->note, "a passphrase is needed to open it");
		return -1;
	}
	for (size_t i = 0; i < w->n_own; i++) {
		struct own *o = &w->own[i];
		struct err ke = ERR_INIT;
		BIO *bio;

		if (!mine[i] || o->locked)
			continue;
		if (o->key == NULL && w->ctx->key(w->ctx->key_arg, o->hex, &o->key, &ke) != 0) {
			o->locked = 1;
			o->key = NULL;
			msg_copy(why, sizeof why, ke.msg);
			continue;
		}
		unlocked = 1;
		bio = plain_bio(size, out);
		if (CMS_decrypt(cms, o->key, o->cert, NULL, bio, 0) == 1) {
			BIO_free(bio);
			l->opened = 1;
			msg_copy(l->opened_with, sizeof l->opened_with, o->hex);
			l->opened_with_archived = o->archived;
			ERR_clear_error();
			return 0;
		}
		ERR_error_string_n(ERR_peek_last_error(), why, sizeof why);
		ERR_clear_error();
		BIO_free(bio);
		BUF_MEM_free(*out);
		*out = NULL;
	}
	if (!unlocked)
		set_note(l, "%s", why[0] ? why : "no key of yours opens it");
	else
		set_note(l, "it is addressed to you but cannot be decrypted: it is damaged (%s)",
			 why);
	return -1;
}

int
msg_envelope_key(struct walk *w, CMS_ContentInfo *cms, struct msg_layer *l, const int *mine,
		 BIO **cipher)
{
	int unlocked = 0;
	char why[200] = "";

	*cipher = NULL;
	if (w->ctx->key == NULL) {
		msg_copy(l->note, sizeof l->note, "a passphrase is needed to open it");
		return -1;
	}
	for (size_t i = 0; i < w->n_own; i++) {
		struct own *o = &w->own[i];
		struct err ke = ERR_INIT;

		if (!mine[i] || o->locked)
			continue;
		if (o->key == NULL && w->ctx->key(w->ctx->key_arg, o->hex, &o->key, &ke) != 0) {
			o->locked = 1;
			o->key = NULL;
			msg_copy(why, sizeof why, ke.msg);
			continue;
		}
		unlocked = 1;
		if (CMS_decrypt_set1_pkey_and_peer(cms, o->key, o->cert, NULL) == 1 &&
		    (*cipher = CMS_dataInit(cms, NULL)) != NULL) {
			l->opened = 1;
			msg_copy(l->opened_with, sizeof l->opened_with, o->hex);
			l->opened_with_archived = o->archived;
			ERR_clear_error();
			return 0;
		}
		ERR_error_string_n(ERR_peek_last_error(), why, sizeof why);
		ERR_clear_error();
	}
	if (!unlocked)
		set_note(l, "%s", why[0] ? why : "no key of yours opens it");
	else
		set_note(l, "it is addressed to you but cannot be decrypted: it is damaged (%s)",
			 why);
	return -1;
}

static int
envelope(struct walk *w, CMS_ContentInfo *cms, enum layer_kind kind, const char *alg, size_t size,
	 int depth)
{
	struct msg_layer *l = msg_add_layer(w, kind);
	int mine[MAX_OWN] = {0};
	BUF_MEM *plain = NULL;

	if (l == NULL) {
		CMS_ContentInfo_free(cms);
		return -1;
	}
	msg_copy(l->alg, sizeof l->alg, alg[0] ? alg : "unknown cipher");
	if (msg_recipients(w, cms, l, mine) == 0)
		set_note(l, "it is not addressed to you: it is for %s",
			 l->recipients[0] ? l->recipients : "nobody named");
	else
		decrypt(w, cms, l, mine, size, &plain);
	CMS_ContentInfo_free(cms); /* the ciphertext is no longer needed */
	if (plain == NULL)
		return 0;
	w->plain[w->n_plain++] = plain;
	return msg_walk(w, (unsigned char *)plain->data, plain->length, depth + 1);
}

/* A CMS structure in DER/BER (`d`, freed here as soon as it is parsed, so
 * that a large message is not held twice): dispatch on its content type. */
int
msg_cms_layer(struct walk *w, struct mime_data *d, const char *hint, int depth)
{
	char alg[32];
	int type = ber_info(d->p, d->len, alg, sizeof alg);
	CMS_ContentInfo *cms = msg_parse_cms(d->p, d->len);
	size_t size = d->len;
	struct msg_layer *l;

	mime_data_free(d);

	if (cms != NULL)
		type = OBJ_obj2nid(CMS_get0_type(cms));
	else if (type == NID_undef)
		type = strstr(hint, "signed") ? NID_pkcs7_signed : NID_pkcs7_enveloped;
	if (cms != NULL && type == NID_pkcs7_signed &&
	    sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)) <= 0) {
		/* "certs-only": certificates, no message and no signature. */
		CMS_ContentInfo_free(cms);
		msg_copy(w->r->parts, sizeof w->r->parts,
			 "certificates only (application/pkcs7-mime; smime-type=certs-only)");
		w->r->text = xstrdup(w->r->parts);
		return 0;
	}
	if (cms != NULL && type == NID_pkcs7_signed)
		return opaque(w, cms, depth);
	if (cms != NULL &&
	    (type == NID_pkcs7_enveloped || type == NID_id_smime_ct_authEnvelopedData))
		return envelope(w, cms,
				type == NID_pkcs7_enveloped ? LAYER_ENVELOPED :
							      LAYER_AUTH_ENVELOPED,
				alg, size, depth);
	CMS_ContentInfo_free(cms);
	if ((l = msg_add_layer(w, type == NID_pkcs7_signed                  ? LAYER_SIGNED :
				  type == NID_id_smime_ct_authEnvelopedData ? LAYER_AUTH_ENVELOPED :
									      LAYER_ENVELOPED)) ==
	    NULL)
		return -1;
	l->opaque = l->kind == LAYER_SIGNED;
	msg_copy(l->alg, sizeof l->alg, alg[0] ? alg : "unknown");
	if (cms == NULL)
		msg_copy(l->note, sizeof l->note,
			 "the S/MIME part is damaged or cut short: it cannot be read");
	else
		set_note(l, "padseal cannot open this kind of S/MIME part (%s)", OBJ_nid2sn(type));
	return 0;
}

/* --- a bare CMS structure ------------------------------------------------ */

/* A bare CMS structure instead of a message: DER, or base64 of it. */
int
msg_bare_cms(const unsigned char *p, size_t n, struct mime_data *d)
{
	char alg[32];
	size_t i = 0;

	memset(d, 0, sizeof *d);
	if (n > 2 && p[0] == 0x30) {
		d->p = p, d->len = n;
	} else {
		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
			i++;
		if (n - i < 4 || memcmp(p + i, "MI", 2) != 0 ||
		    memchr(p, ':', n < 200 ? n : 200) != NULL)
			return 0;
		d->owned = xmalloc(n / 4 * 3 + 3);
		d->len = mime_b64_decode(p, n, d->owned, &d->junk);
		d->p = d->owned;
		if (d->junk > 0) {
			mime_data_free(d);
			return 0;
		}
	}
	if (ber_info(d->p, d->len, alg, sizeof alg) == NID_undef) {
		mime_data_free(d);
		return 0;
	}
	return 1;
}
