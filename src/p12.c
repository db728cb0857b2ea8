/* p12 — PKCS#12 backups, written in a form every platform imports and
 * proven by reading them back; and any client's file read for restore. */
#include "config.h"

#include <libgen.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "cred.h"
#include "fileio.h"
#include "fpr.h"
#include "p12.h"
#include "pass.h"
#include "xalloc.h"

/* Key derivation rounds; the MAC gets as many, because an attacker tests
 * passphrases against whichever of the two is cheaper.  Legacy keeps 2048,
 * the count of OpenSSL's, NSS's and Windows' exports that every importer
 * has met; modern has no old readers to please and costs about as much as
 * the scrypt that protects the key at rest. */
#define LEGACY_ITER 2048
#define MODERN_ITER 100000

#define MAX_KEYS 8 /* private keys one file may hold */
/* The most work a file may ask of a passphrase try: iterations of a
 * PKCS#12 or PBKDF2 key derivation or of the MAC (tools write 2,048 to
 * 600,000; a million take about a second here, so a wrong passphrase
 * costs at most a few), and scrypt's N, r and p (N*r*p at most 2^22:
 * padseal's own keys use 2^14 * 8 * 1). */
#define MAX_ITER 1000000u
/* ... and in all, over a file's parts (a real backup needs three). */
#define MAX_WORK       (3 * MAX_ITER)
#define MAX_SCRYPT_NRP (1u << 22)
#define MAX_DEPTH      3 /* nested safeContents bags */

static const struct compat {
	const char *name;
	int pbe; /* for the key and the certificate bags */
	const EVP_MD *(*mac)(void);
	int iter;
	const char *readers, *readers_ec; /* readers_ec NULL: the same */
} compats[] = {
	[P12_LEGACY] =
		{"legacy", NID_pbe_WithSHA1And3_Key_TripleDES_CBC, EVP_sha1, LEGACY_ITER,
		 "macOS and iOS Keychain, Windows, Thunderbird, Outlook and GnuPG's gpgsm 2.2",
		 "macOS and iOS Keychain, Windows, Thunderbird and Outlook (not GnuPG's gpgsm 2.2, which crashes on EC keys)"},
	[P12_MODERN] =
		{"modern", NID_aes_256_cbc, EVP_sha256, MODERN_ITER,
		 "OpenSSL 3 and recent systems (Thunderbird, Windows 10 and later); older macOS, iOS and Windows and gpgsm 2.2 refuse it: keep a legacy backup for those",
		 NULL},
};

int
p12_compat_parse(const char *s, enum p12_compat *out)
{
	for (size_t i = 0; i < sizeof compats / sizeof compats[0]; i++) {
		if (s != NULL && strcmp(s, compats[i].name) == 0) {
			*out = (enum p12_compat)i;
			return 0;
		}
	}
	return -1;
}

const char *
p12_compat_name(enum p12_compat c)
{
	return compats[c].name;
}

const char *
p12_compat_readers(enum p12_compat c, int ec)
{
	return ec && compats[c].readers_ec ? compats[c].readers_ec : compats[c].readers;
}

const char *
p12_pass_warning(enum p12_compat c, const char *pass)
{
	if (c == P12_LEGACY && strlen(pass) > P12_GPGSM_MAX_PASS)
		return "the passphrase is longer than 31 bytes: GnuPG's gpgsm 2.2 refuses such a backup (every other importer takes it)";
	return NULL;
}

/* --- writing ------------------------------------------------------------ */

int
p12_build(X509 *cert, EVP_PKEY *key, STACK_OF(X509) * chain, const char *name, const char *pass,
	  enum p12_compat compat, unsigned char **der, size_t *len, struct err *e)
{
	const struct compat *c = &compats[compat];
	PKCS12 *p12 = NULL;
	int n;

	*der = NULL;
	*len = 0;
	if (!cred_key_matches(cert, key))
		return err_set(e,
			       "the key does not belong to the certificate; nothing was written");
	/* PKCS12_create_ex sets friendlyName and, since key and certificate
	 * match, localKeyID (the certificate's SHA-1) on both bags.  For
	 * NID_aes_256_cbc it makes PBES2 with PBKDF2, whose PRF OpenSSL 3
	 * picks as hmacWithSHA256.  The MAC is added below (-1: none yet)
	 * because its digest must be chosen, not left to the default. */
	p12 = PKCS12_create_ex(pass, name, key, cert, chain, c->pbe, c->pbe, c->iter, -1, 0, NULL,
			       NULL);
	if (p12 == NULL || !PKCS12_set_mac(p12, pass, -1, NULL, 0, c->iter, c->mac())) {
		PKCS12_free(p12);
		return err_ossl(e, "could not build the PKCS#12 file");
	}
	n = i2d_PKCS12(p12, der);
	PKCS12_free(p12);
	if (n <= 0)
		return err_ossl(e, "could not encode the PKCS#12 file");
	*len = (size_t)n;
	return 0;
}

int
p12_verify(const unsigned char *der, size_t len, const char *pass, X509 *cert,
	   enum p12_compat compat, struct err *e)
{
	static const char head[] = "the backup does not read back";
	struct p12_cred got;
	struct err sub = ERR_INIT;
	int rc = -1;

	if (p12_open(der, len, pass, "the backup", &got, &sub) != 0)
		return err_wrap(e, &sub, head);
	if (X509_cmp(got.cert, cert) != 0)
		err_set(e, "%s: it holds a different certificate", head);
	else if (!cred_key_matches(got.cert, got.key) || got.stray_keys)
		err_set(e, "%s: its key does not match the certificate", head);
	else if (!got.mac)
		err_set(e, "%s: it has no integrity check (MAC)", head);
	else if (strcmp(got.form, compats[compat].name) != 0)
		err_set(e, "%s: it is not in the %s form (%s)", head, compats[compat].name,
			got.algs);
	else
		rc = 0;
	p12_cred_clear(&got);
	return rc;
}

/* --- reading ------------------------------------------------------------ */

/* A passphrase as key derivation sees it; `p` NULL is the zero-length
 * form, which differs from "" (an empty BMPString with its terminator). */
struct pw {
	const char *p;
	int len;
};

/* One pass over a file's contents with one passphrase. */
struct walk {
	const char *what;
	OSSL_LIB_CTX *ctx; /* NULL: the default context */
	struct pw pw;
	STACK_OF(X509) * certs;
	EVP_PKEY *keys[MAX_KEYS];
	size_t n_keys;
	int key_alg[3], cert_alg[3]; /* first of each: scheme, PRF, cipher */
	int unsupported;             /* an algorithm `ctx` lacks */
	int bad_decrypt;             /* something did not decrypt */
	uint64_t work;               /* key derivation work so far (MAX_WORK) */
};

static void
walk_init(struct walk *w, const char *what, struct pw pw, OSSL_LIB_CTX *ctx)
{
	memset(w, 0, sizeof *w);
	w->what = what;
	w->pw = pw;
	w->ctx = ctx;
}

/* Free what was collected; the flags stay for the caller to read. */
static void
walk_free(struct walk *w)
{
	sk_X509_pop_free(w->certs, X509_free);
	for (size_t i = 0; i < w->n_keys; i++)
		EVP_PKEY_free(w->keys[i]);
	w->certs = NULL;
	w->n_keys = 0;
}

static int
is_unsupported(unsigned long code)
{
	int reason = ERR_GET_REASON(code);

	if (code == 0)
		return 0;
	if (reason == ERR_R_UNSUPPORTED)
		return 1;
	return ERR_GET_LIB(code) == ERR_LIB_EVP &&
	       (reason == EVP_R_UNSUPPORTED_ALGORITHM || reason == EVP_R_UNKNOWN_CIPHER ||
		reason == EVP_R_UNKNOWN_PBE_ALGORITHM || reason == EVP_R_UNSUPPORTED_CIPHER);
}

/* The scheme of an encryption algorithm, and for PBES2 its PRF and cipher. */
static void
alg_nids(const X509_ALGOR *a, int out[3])
{
	PBE2PARAM *pbe2;
	PBKDF2PARAM *kdf = NULL;

	out[0] = OBJ_obj2nid(a->algorithm);
	out[1] = out[2] = NID_undef;
	if (out[0] != NID_pbes2 || a->parameter == NULL)
		return;
	pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), a->parameter);
	if (pbe2 != NULL) {
		out[2] = OBJ_obj2nid(pbe2->encryption->algorithm);
		out[1] = OBJ_obj2nid(pbe2->keyfunc->algorithm);
		if (out[1] == NID_id_pbkdf2 && pbe2->keyfunc->parameter != NULL)
			kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
							pbe2->keyfunc->parameter);
		if (kdf != NULL) /* an absent PRF means HMAC-SHA-1 (RFC 8018) */
			out[1] = kdf->prf ? OBJ_obj2nid(kdf->prf->algorithm) : NID_hmacWithSHA1;
	}
	PBKDF2PARAM_free(kdf);
	PBE2PARAM_free(pbe2);
	ERR_clear_error();
}

static void
alg_text(const int a[3], char *buf, size_t len)
{
	if (a[0] == NID_undef)
		snprintf(buf, len, "not encrypted");
	else if (a[0] == NID_pbes2)
		snprintf(buf, len, "PBES2 %s %s", OBJ_nid2sn(a[1]), OBJ_nid2sn(a[2]));
	else
		snprintf(buf, len, "%s", OBJ_nid2ln(a[0]));
}

static int
decrypt_failed(struct walk *w, struct err *e)
{
	if (is_unsupported(ERR_peek_error()) || is_unsupported(ERR_peek_last_error()))
		w->unsupported = 1;
	else
		w->bad_decrypt = 1;
	return err_ossl(e, "%s is damaged: part of it does not decrypt", w->what);
}

/* Keep a key (once: some files repeat it). */
static int
add_key(struct walk *w, const PKCS8_PRIV_KEY_INFO *p8, struct err *e)
{
	/* The key goes into the default context whatever `w->ctx` is, so it
	 * outlives a legacy context freed after reading. */
	EVP_PKEY *k = p8 ? EVP_PKCS82PKEY(p8) : NULL;

	if (k == NULL)
		return err_ossl(e, "%s holds a private key padseal cannot read", w->what);
	for (size_t i = 0; i < w->n_keys; i++) {
		if (EVP_PKEY_eq(w->keys[i], k) == 1) {
			EVP_PKEY_free(k);
			return 0;
		}
	}
	if (w->n_keys == MAX_KEYS) {
		EVP_PKEY_free(k);
		return err_set(e,
			       "%s holds more than %d private keys; padseal restores one credential",
			       w->what, MAX_KEYS);
	}
	w->keys[w->n_keys++] = k;
	ERR_clear_error();
	return 0;
}

/* An iteration count within MAX_ITER (absent counts as 1), added to
 * *work. */
static int
iter_ok(const ASN1_INTEGER *i, uint64_t *work)
{
	uint64_t v = 1;

	if (i != NULL && (ASN1_INTEGER_get_uint64(&v, i) != 1 || v > MAX_ITER))
		return 0;
	*work += v;
	return 1;
}

/* 0 when the key derivation `alg` names costs a passphrase try no more
 * than padseal allows; else -1 with the sentence.  Checked before any
 * derivation is run, so a hostile file is refused at once. */
static int
kdf_cost_ok(const X509_ALGOR *alg, const char *what, uint64_t *work, struct err *e)
{
	int nid = alg != NULL ? OBJ_obj2nid(alg->algorithm) : NID_undef, ok = 1;

	if (alg == NULL || alg->parameter == NULL)
		return 0;
	if (nid == NID_pbes2) {
		PBE2PARAM *p2 =
			ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
		int kdf = p2 != NULL && p2->keyfunc != NULL ? OBJ_obj2nid(p2->keyfunc->algorithm) :
							      NID_undef;

		if (kdf == NID_id_pbkdf2) {
			PBKDF2PARAM *k = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
								   p2->keyfunc->parameter);

			ok = k != NULL && iter_ok(k->iter, work);
			PBKDF2PARAM_free(k);
		} else if (kdf == NID_id_scrypt) {
			SCRYPT_PARAMS *sp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(SCRYPT_PARAMS),
								      p2->keyfunc->parameter);
			uint64_t n = 0, r = 0, q = 0;

			ok = sp != NULL && ASN1_INTEGER_get_uint64(&n, sp->costParameter) == 1 &&
			     ASN1_INTEGER_get_uint64(&r, sp->blockSize) == 1 &&
			     ASN1_INTEGER_get_uint64(&q, sp->parallelizationParameter) == 1 &&
			     r > 0 && q > 0 && n <= MAX_SCRYPT_NRP / r / q;
			if (ok)
				*work += n * r * q;
			SCRYPT_PARAMS_free(sp);
		}
		PBE2PARAM_free(p2);
	} else if (EVP_PBE_find(EVP_PBE_TYPE_OUTER, nid, NULL, NULL, NULL)) {
		/* PKCS#12 and PKCS#5 v1 schemes: salt and iterations. */
		PBEPARAM *pp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), alg->parameter);

		ok = pp != NULL && iter_ok(pp->iter, work);
		PBEPARAM_free(pp);
	}
	ERR_clear_error();
	if (!ok)
		return err_set(e,
			       "%s asks for more key derivation work than padseal allows (over %u iterations, or scrypt beyond N*r*p = %u): a real backup never does; padseal changed nothing",
			       what, MAX_ITER, MAX_SCRYPT_NRP);
	if (*work > MAX_WORK)
		return err_set(e,
			       "%s asks for more key derivation work in all than padseal allows (over %u iterations over its parts): a real backup never does; padseal changed nothing",
			       what, MAX_WORK);
	return 0;
}

/* Every cost the file states before its inner parts are decrypted: the
 * MAC's iterations, each encrypted safe's and each key bag's in a plain
 * safe.  Key bags inside an encrypted safe are checked when it is open. */
static int
costs_ok(PKCS12 *p12, const char *what, struct err *e)
{
	const ASN1_INTEGER *mac_iter = NULL;
	STACK_OF(PKCS7) * safes;
	uint64_t work = 0;
	int rc = 0;

	if (PKCS12_mac_present(p12)) {
		PKCS12_get0_mac(NULL, NULL, NULL, &mac_iter, p12);
		if (!iter_ok(mac_iter, &work))
			return err_set(e,
				       "%s asks for more than %u iterations of its integrity check (MAC): a real backup never does; padseal changed nothing",
				       what, MAX_ITER);
	}
	if ((safes = PKCS12_unpack_authsafes(p12)) == NULL) {
		ERR_clear_error();
		return 0; /* reported as damaged where it is read */
	}
	for (int i = 0; rc == 0 && i < sk_PKCS7_num(safes); i++) {
		PKCS7 *p7 = sk_PKCS7_value(safes, i);
		STACK_OF(PKCS12_SAFEBAG) * bags;

		if (OBJ_obj2nid(p7->type) == NID_pkcs7_encrypted) {
			if (p7->d.encrypted != NULL && p7->d.encrypted->enc_data != NULL)
				rc = kdf_cost_ok(p7->d.encrypted->enc_data->algorithm, what, &work,
						 e);
			continue;
		}
		if (OBJ_obj2nid(p7->type) != NID_pkcs7_data ||
		    (bags = PKCS12_unpack_p7data(p7)) == NULL)
			continue;
		for (int j = 0; rc == 0 && j < sk_PKCS12_SAFEBAG_num(bags); j++) {
			const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, j);
			const X509_ALGOR *alg;

			if (PKCS12_SAFEBAG_get_nid(bag) != NID_pkcs8ShroudedKeyBag)
				continue;
			X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, NULL);
			rc = kdf_cost_ok(alg, what, &work, e);
		}
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	}
	sk_PKCS7_pop_free(safes, PKCS7_free);
	ERR_clear_error();
	return rc;
}

static int walk_bags(struct walk *w, const STACK_OF(PKCS12_SAFEBAG) * bags, int depth,
		     struct err *e);

static int
walk_bag(struct walk *w, const PKCS12_SAFEBAG *bag, int depth, struct err *e)
{
	PKCS8_PRIV_KEY_INFO *p8;
	const X509_ALGOR *alg;
	X509 *x;
	int rc;

	switch (PKCS12_SAFEBAG_get_nid(bag)) {
	case NID_keyBag: return add_key(w, PKCS12_SAFEBAG_get0_p8inf(bag), e);
	case NID_pkcs8ShroudedKeyBag:
		X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, NULL);
		if (w->key_alg[0] == NID_undef)
			alg_nids(alg, w->key_alg);
		if (kdf_cost_ok(alg, w->what, &w->work, e) != 0)
			return -1;
		p8 = PKCS12_decrypt_skey_ex(bag, w->pw.p, w->pw.len, w->ctx, NULL);
		if (p8 == NULL)
			return decrypt_failed(w, e);
		rc = add_key(w, p8, e);
		PKCS8_PRIV_KEY_INFO_free(p8); /* wipes the key */
		return rc;
	case NID_certBag:
		if (PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate)
			return 0; /* SDSI certificates: no client makes them */
		if ((x = PKCS12_SAFEBAG_get1_cert(bag)) == NULL)
			return err_ossl(e, "%s holds a damaged certificate", w->what);
		if (!sk_X509_push(w->certs, x))
			xalloc_die();
		return 0;
	case NID_safeContentsBag:
		if (depth >= MAX_DEPTH)
			return err_set(e, "%s is nested too deeply to be a real backup", w->what);
		return walk_bags(w, PKCS12_SAFEBAG_get0_safes(bag), depth + 1, e);
	default: return 0; /* CRLs and secrets: not part of a mail credential */
	}
}

static int
walk_bags(struct walk *w, const STACK_OF(PKCS12_SAFEBAG) * bags, int depth, struct err *e)
{
	for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++)
		if (walk_bag(w, sk_PKCS12_SAFEBAG_value(bags, i), depth, e) != 0)
			return -1;
	return 0;
}

/* The bags of one safe: plain, or encrypted with the passphrase. */
static STACK_OF(PKCS12_SAFEBAG) * open_safe(struct walk *w, PKCS7 *p7, struct err *e)
{
	STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
	const PKCS7_ENC_CONTENT *ec;

	switch (OBJ_obj2nid(p7->type)) {
	case NID_pkcs7_data:
		if ((bags = PKCS12_unpack_p7data(p7)) == NULL)
			err_ossl(e, "%s is damaged: part of it cannot be read", w->what);
		return bags;
	case NID_pkcs7_encrypted:
		ec = p7->d.encrypted ? p7->d.encrypted->enc_data : NULL;
		if (ec == NULL || ec->algorithm == NULL || ec->enc_data == NULL) {
			err_set(e, "%s is damaged: an encrypted part is empty", w->what);
			return NULL;
		}
		if (w->cert_alg[0] == NID_undef)
			alg_nids(ec->algorithm, w->cert_alg);
		if (kdf_cost_ok(ec->algorithm, w->what, &w->work, e) != 0)
			return NULL;
		bags = PKCS12_item_decrypt_d2i_ex(ec->algorithm, ASN1_ITEM_rptr(PKCS12_SAFEBAGS),
						  w->pw.p, w->pw.len, ec->enc_data, 1, w->ctx,
						  NULL);
		if (bags == NULL)
			decrypt_failed(w, e);
		return bags;
	default:
		err_set(e,
			"%s is protected with public keys instead of a passphrase, which padseal does not read",
			w->what);
		return NULL;
	}
}

static int
walk_file(struct walk *w, PKCS12 *p12, struct err *e)
{
	STACK_OF(PKCS7) *safes = PKCS12_unpack_authsafes(p12);
	int rc = -1;

	w->certs = xcheck(sk_X509_new_null());
	if (safes == NULL)
		return err_ossl(e, "%s is damaged: its contents cannot be read", w->what);
	for (int i = 0; i < sk_PKCS7_num(safes); i++) {
		STACK_OF(PKCS12_SAFEBAG) *bags = open_safe(w, sk_PKCS7_value(safes, i), e);
		int bad;

		if (bags == NULL)
			goto out;
		bad = walk_bags(w, bags, 0, e);
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
		if (bad)
			goto out;
	}
	rc = 0;
out:
	sk_PKCS7_pop_free(safes, PKCS7_free);
	return rc;
}

/* OpenSSL's legacy provider (RC2, RC4, DES, ...) with the default one, in a
 * context of its own: loaded only for a file that needs it, and never into
 * the process-wide default context. */
struct legacy {
	OSSL_LIB_CTX *ctx;
	OSSL_PROVIDER *prov[2];
};

static void
legacy_close(struct legacy *l)
{
	/* Unloaded explicitly: freeing the context alone leaks the module's
	 * state. */
	for (int i = 0; i < 2; i++)
		if (l->prov[i] != NULL)
			OSSL_PROVIDER_unload(l->prov[i]);
	OSSL_LIB_CTX_free(l->ctx);
	memset(l, 0, sizeof *l);
}

static int
legacy_open(struct legacy *l, struct err *e)
{
	memset(l, 0, sizeof *l);
	l->ctx = xcheck(OSSL_LIB_CTX_new());
	l->prov[0] = OSSL_PROVIDER_load(l->ctx, "legacy");
	l->prov[1] = OSSL_PROVIDER_load(l->ctx, "default");
	if (l->prov[0] == NULL || l->prov[1] == NULL) {
		legacy_close(l);
		return err_ossl(e,
				"this file uses old encryption (RC2 or similar) and OpenSSL's legacy provider, which reads it, is not installed");
	}
	return 0;
}

/* Read everything with one passphrase: first with the default algorithms,
 * then, when one was missing, with the legacy provider. */
static int
unpack(PKCS12 *p12, struct pw pw, const char *what, struct walk *w, int *legacy, struct err *e)
{
	struct err sub = ERR_INIT;
	struct legacy l;
	int rc;

	*legacy = 0;
	walk_init(w, what, pw, NULL);
	if (walk_file(w, p12, &sub) == 0)
		return 0;
	walk_free(w);
	if (!w->unsupported)
		return err_copy(e, &sub);
	err_clear(&sub);
	if (legacy_open(&l, e) != 0)
		return -1;
	*legacy = 1;
	walk_init(w, what, pw, l.ctx);
	if ((rc = walk_file(w, p12, &sub)) != 0) {
		walk_free(w);
		if (w->unsupported)
			err_set(e,
				"%s uses encryption this system's OpenSSL cannot read, even with its legacy provider",
				what);
		else
			err_copy(e, &sub);
	}
	w->ctx = NULL;
	legacy_close(&l);
	return rc;
}

/* The DER structure, or a sentence saying what the bytes are instead. */
static PKCS12 *
parse_der(const unsigned char *buf, size_t len, const char *what, struct err *e)
{
	const unsigned char *p = buf;
	PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
	X509 *x;

	if (p12 != NULL) {
		ERR_clear_error();
		return p12;
	}
	if (memmem(buf, len, "-----BEGIN", 10) != NULL) {
		err_ossl(e, "%s is a PEM text file (%s), not a PKCS#12 backup (.p12 or .pfx)", what,
			 memmem(buf, len, "PRIVATE KEY", 11) ? "a private key" :
							       "a certificate or key");
		return NULL;
	}
	p = buf;
	if ((x = d2i_X509(NULL, &p, (long)len)) != NULL) {
		X509_free(x);
		err_ossl(e,
			 "%s is a certificate, not a PKCS#12 backup; a correspondent's certificate is added with padseal import",
			 what);
		return NULL;
	}
	err_ossl(e, "%s is not a PKCS#12 backup (.p12 or .pfx), or it is damaged or cut short",
		 what);
	return NULL;
}

static int
non_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* The forms of `pass` that clients derive keys from: as given (UTF-8, as
 * OpenSSL 3 and NSS do); for the empty passphrase also the zero-length form
 * (files differ in whether the empty BMPString keeps its terminator); for
 * non-ASCII, its bytes read as Latin-1, which is what OpenSSL before 1.1.0
 * wrote.  *latin1 holds that form's string (wipe with OPENSSL_clear_free). */
static size_t
candidates(const char *pass, struct pw out[3], char **latin1)
{
	size_t n = 0;
	unsigned char *uni;
	int unilen;

	*latin1 = NULL;
	out[n++] = (struct pw){pass, (int)strlen(pass)};
	if (*pass == '\0') {
		out[n++] = (struct pw){NULL, 0};
	} else if (non_ascii(pass) && OPENSSL_asc2uni(pass, -1, &uni, &unilen) != NULL) {
		*latin1 = OPENSSL_uni2utf8(uni, unilen);
		OPENSSL_clear_free(uni, (size_t)unilen);
		if (*latin1 != NULL)
			out[n++] = (struct pw){*latin1, (int)strlen(*latin1)};
	}
	ERR_clear_error();
	return n;
}

/* Does part of the file (an encrypted safe, a key bag) decrypt with one of
 * the candidates?  Tells a wrong passphrase from a damaged file when the
 * MAC fails: a wrong one decrypts nothing. */
static int
pass_opens(PKCS12 *p12, const struct pw *cand, size_t n)
{
	STACK_OF(PKCS7) *safes = PKCS12_unpack_authsafes(p12);
	int found = 0;

	for (int i = 0; safes != NULL && i < sk_PKCS7_num(safes) && !found; i++) {
		PKCS7 *p7 = sk_PKCS7_value(safes, i);
		STACK_OF(PKCS12_SAFEBAG) *bags = NULL;

		if (OBJ_obj2nid(p7->type) == NID_pkcs7_encrypted) {
			for (size_t k = 0; k < n && !found; k++) {
				bags = PKCS12_unpack_p7encdata(p7, cand[k].p, cand[k].len);
				found = bags != NULL;
				sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
			}
			continue;
		}
		if (OBJ_obj2nid(p7->type) != NID_pkcs7_data ||
		    (bags = PKCS12_unpack_p7data(p7)) == NULL)
			continue;
		for (int j = 0; j < sk_PKCS12_SAFEBAG_num(bags) && !found; j++) {
			const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, j);

			if (PKCS12_SAFEBAG_get_nid(bag) != NID_pkcs8ShroudedKeyBag)
				continue;
			for (size_t k = 0; k < n && !found; k++) {
				PKCS8_PRIV_KEY_INFO *p8 =
					PKCS12_decrypt_skey(bag, cand[k].p, cand[k].len);

				found = p8 != NULL;
				PKCS8_PRIV_KEY_INFO_free(p8);
			}
		}
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	}
	sk_PKCS7_pop_free(safes, PKCS7_free);
	ERR_clear_error();
	return found;
}

/* The candidate the MAC verifies with, or -1 with the reason. */
static int
mac_pass(PKCS12 *p12, const struct pw *cand, size_t n, const char *what, struct err *e)
{
	int unsupported = 0;

	for (size_t i = 0; i < n; i++) {
		if (PKCS12_verify_mac(p12, cand[i].p, cand[i].len) == 1) {
			ERR_clear_error();
			return (int)i;
		}
		unsupported |=
			is_unsupported(ERR_peek_error()) || is_unsupported(ERR_peek_last_error());
	}
	if (unsupported)
		return err_ossl(e,
				"%s is protected by an integrity check (MAC) this system's OpenSSL cannot compute",
				what);
	if (pass_opens(p12, cand, n))
		return err_set(e,
			       "%s is damaged: its integrity check (MAC) fails although the passphrase is right; use another copy of it",
			       what);
	return err_ossl(e, "the passphrase does not open this file (%s)", what);
}

/* Of the certificates matching `key`, the one valid longest (a renewal). */
static int
cert_of(STACK_OF(X509) * certs, EVP_PKEY *key)
{
	int best = -1;

	for (int i = 0; i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);

		if (!cred_key_matches(x, key))
			continue;
		if (best < 0 ||
		    ASN1_TIME_compare(X509_get0_notAfter(x),
				      X509_get0_notAfter(sk_X509_value(certs, best))) > 0)
			best = i;
	}
	return best;
}

/* Pair the key with its certificate by public key, never by position or
 * localKeyID (which Certificate Assistant gets wrong); the rest is chain. */
static int
pair(struct walk *w, struct p12_cred *out, struct err *e)
{
	size_t pairs = 0, key = 0;
	int cert = -1;

	if (w->n_keys == 0)
		return err_set(e,
			       "%s holds no private key, only certificates: it is not a backup of a credential (a correspondent's certificate is added with padseal import)",
			       w->what);
	if (sk_X509_num(w->certs) == 0)
		return err_set(e, "%s holds a private key but no certificate; padseal needs both",
			       w->what);
	for (size_t k = 0; k < w->n_keys; k++) {
		int c = cert_of(w->certs, w->keys[k]);

		if (c >= 0 && pairs++ == 0) {
			key = k;
			cert = c;
		}
	}
	if (pairs == 0)
		return err_set(e,
			       "the private key in %s matches none of its certificates: the certificate and key are not linked, so no mail client can use this file; make a new backup where the credential works",
			       w->what);
	if (pairs > 1)
		return err_set(e,
			       "%s holds %zu credentials (keys with their certificates); padseal restores one person's credential and cannot tell which is meant",
			       w->what, pairs);
	out->key = w->keys[key];
	w->keys[key] = w->keys[--w->n_keys];
	out->stray_keys = w->n_keys;
	out->cert = sk_X509_delete(w->certs, cert);
	out->chain = w->certs;
	w->certs = NULL;
	/* Drop repeats of the certificate and of chain members. */
	for (int i = sk_X509_num(out->chain) - 1; i >= 0; i--) {
		X509 *x = sk_X509_value(out->chain, i);
		int dup = X509_cmp(x, out->cert) == 0;

		for (int j = 0; j < i && !dup; j++)
			dup = X509_cmp(x, sk_X509_value(out->chain, j)) == 0;
		if (dup)
			X509_free(sk_X509_delete(out->chain, i));
	}
	return 0;
}

/* Which of padseal's forms the file is in, and its algorithms in words. */
static void
describe(const struct walk *w, PKCS12 *p12, struct p12_cred *out)
{
	static const int modern[3] = {NID_pbes2, NID_hmacWithSHA256, NID_aes_256_cbc};
	const X509_ALGOR *macalg = NULL;
	int mac = NID_undef;
	char k[80], c[80];

	if (out->mac) {
		PKCS12_get0_mac(NULL, &macalg, NULL, NULL, p12);
		mac = macalg ? OBJ_obj2nid(macalg->algorithm) : NID_undef;
	}
	if (w->key_alg[0] == NID_pbe_WithSHA1And3_Key_TripleDES_CBC &&
	    w->cert_alg[0] == NID_pbe_WithSHA1And3_Key_TripleDES_CBC && mac == NID_sha1)
		strcpy(out->form, "legacy");
	else if (memcmp(w->key_alg, modern, sizeof modern) == 0 &&
		 memcmp(w->cert_alg, modern, sizeof modern) == 0 && mac == NID_sha256)
		strcpy(out->form, "modern");
	else
		strcpy(out->form, "other");
	alg_text(w->key_alg, k, sizeof k);
	alg_text(w->cert_alg, c, sizeof c);
	snprintf(out->algs, sizeof out->algs, "key %s; certificates %s; MAC %s", k, c,
		 out->mac ? OBJ_nid2sn(mac) : "none");
}

/* Unpack with the candidate the MAC chose, or (no MAC) the first that
 * decrypts. */
static int
unpack_any(PKCS12 *p12, const struct pw *cand, size_t n, int chosen, const char *what,
	   struct walk *w, struct p12_cred *out, struct err *e)
{
	struct err sub = ERR_INIT;

	for (size_t i = chosen >= 0 ? (size_t)chosen : 0; i < n; i++) {
		err_clear(&sub);
		if (unpack(p12, cand[i], what, w, &out->legacy_provider, &sub) == 0)
			return 0;
		if (chosen >= 0 || !w->bad_decrypt)
			break;
	}
	if (chosen < 0 && w->bad_decrypt)
		return err_set(e, "the passphrase does not open this file (%s)", what);
	return err_copy(e, &sub);
}

int
p12_open(const unsigned char *buf, size_t len, const char *pass, const char *what,
	 struct p12_cred *out, struct err *e)
{
	struct walk w;
	struct pw cand[3];
	char *latin1 = NULL;
	PKCS12 *p12;
	size_t n;
	int chosen = -1, rc = -1;

	memset(out, 0, sizeof *out);
	memset(&w, 0, sizeof w);
	if ((p12 = parse_der(buf, len, what, e)) == NULL)
		return -1;
	if (costs_ok(p12, what, e) != 0)
		goto out;
	n = candidates(pass, cand, &latin1);
	out->mac = PKCS12_mac_present(p12);
	if (out->mac && (chosen = mac_pass(p12, cand, n, what, e)) < 0)
		goto out;
	if (unpack_any(p12, cand, n, chosen, what, &w, out, e) != 0 || pair(&w, out, e) != 0)
		goto out;
	out->empty_pass = *pass == '\0';
	describe(&w, p12, out);
	rc = 0;
out:
	if (rc != 0)
		p12_cred_clear(out);
	walk_free(&w);
	if (latin1 != NULL)
		OPENSSL_clear_free(latin1, strlen(latin1));
	PKCS12_free(p12);
	return rc;
}

void
p12_cred_clear(struct p12_cred *c)
{
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
	sk_X509_pop_free(c->chain, X509_free);
	memset(c, 0, sizeof *c);
}
