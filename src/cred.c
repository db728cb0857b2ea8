#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

#include "addr.h"
#include "cred.h"
#include "xalloc.h"

/* scrypt cost for keys at rest: N=2^14, r=8, p=1 (16 MiB, the classic
 * interactive setting; OpenSSL's default scrypt memory cap is 32 MiB). */
#define SCRYPT_N 16384
#define SCRYPT_R 8
#define SCRYPT_P 1
#define CN_MAX   64 /* ub-common-name */

static const struct {
	const char *name;
	const char *help;
	const char *alg;
	int bits;
	const char *curve;
} key_types[] = {
	[KEY_RSA2048] = {"rsa2048",
			 "RSA 2048: accepted everywhere, including very old clients; the minimum",
			 "RSA", 2048, NULL},
	[KEY_RSA3072] =
		{"rsa3072",
		 "RSA 3072: recommended; works in every current client and stays strong for decades",
		 "RSA", 3072, NULL},
	[KEY_RSA4096] = {"rsa4096",
			 "RSA 4096: strongest RSA; slower to create, a few old phones reject it",
			 "RSA", 4096, NULL},
	[KEY_P256] = {"p256", "EC P-256: small and fast; Outlook 2010 and older cannot use EC keys",
		      "EC", 0, "P-256"},
	[KEY_P384] = {"p384", "EC P-384: stronger EC; same client limits as P-256", "EC", 0,
		      "P-384"},
};

int
key_type_parse(const char *s, enum key_type *out)
{
	for (size_t i = 0; i < sizeof key_types / sizeof key_types[0]; i++) {
		if (strcasecmp(s, key_types[i].name) == 0) {
			*out = (enum key_type)i;
			return 0;
		}
	}
	return -1;
}

const char *
key_type_name(enum key_type t)
{
	return key_types[t].name;
}

const char *
key_type_help(enum key_type t)
{
	return key_types[t].help;
}

int
cred_key_type(EVP_PKEY *key, enum key_type *out)
{
	int bits = EVP_PKEY_get_bits(key);

	for (size_t i = 0; i < sizeof key_types / sizeof key_types[0]; i++) {
		int rsa = key_types[i].bits != 0;

		if (rsa ? EVP_PKEY_is_a(key, "RSA") && bits == key_types[i].bits :
			  EVP_PKEY_is_a(key, "EC") &&
				    bits == (strcmp(key_types[i].curve, "P-256") == 0 ? 256 :
											384)) {
			*out = (enum key_type)i;
			return 0;
		}
	}
	return -1;
}

int
cred_keygen(enum key_type t, EVP_PKEY **out, struct err *e)
{
	if (key_types[t].bits)
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)key_types[t].bits);
	else
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", key_types[t].curve);
	if (*out == NULL)
		return err_ossl(e, "could not generate the %s key", key_types[t].name);
	return 0;
}

int
cred_req_check(const struct cred_req *req, struct err *e)
{
	size_t len;

	if (req->name == NULL || *req->name == '\0')
		return err_set(e,
			       "a name is needed: the name your correspondents see, like --name \"Alice Example\"");
	len = strlen(req->name);
	if (len > CN_MAX)
		return err_set(e, "the name is too long (%zu bytes; certificates allow %d)", len,
			       CN_MAX);
	for (const unsigned char *p = (const unsigned char *)req->name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(e, "the name contains a control character");
	if (strchr(req->name, '@') != NULL && strchr(req->name, '<') != NULL)
		return err_set(e,
			       "the name \"%s\" contains an address; give the name alone with --name and the address with --email",
			       req->name);
	if (req->n_emails == 0)
		return err_set(e, "an email address is needed: --email you@example.org");
	for (size_t i = 0; i < req->n_emails; i++) {
		if (addr_check(req->emails[i], e) != 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (addr_eq(req->emails[i], req->emails[j]))
				return err_set(e,
					       "the address %s is given twice (addresses are compared ignoring case)",
					       req->emails[i]);
	}
	if (req->days < 1 || req->days > CRED_MAX_DAYS)
		return err_set(e, "the validity must be between 1 and %d days", CRED_MAX_DAYS);
	return 0;
}

static int
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value, struct err *e)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok;

	if (ext == NULL)
		return err_ossl(e, "could not build the %s extension", OBJ_nid2sn(nid));
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : err_ossl(e, "could not add the %s extension", OBJ_nid2sn(nid));
}

static int
add_san(X509 *x, const struct cred_req *req, struct err *e)
{
	GENERAL_NAMES *gens = xcheck(sk_GENERAL_NAME_new_null());
	int rc = -1;

	for (size_t i = 0; i < req->n_emails; i++) {
		GENERAL_NAME *g = xcheck(GENERAL_NAME_new());
		ASN1_IA5STRING *s = xcheck(ASN1_IA5STRING_new());

		if (!ASN1_STRING_set(s, req->emails[i], -1))
			xalloc_die();
		GENERAL_NAME_set0_value(g, GEN_EMAIL, s);
		if (!sk_GENERAL_NAME_push(gens, g))
			xalloc_die();
	}
	if (!X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT)) {
		err_ossl(e, "could not add the subjectAltName extension");
		goto out;
	}
	rc = 0;
out:
	GENERAL_NAMES_free(gens);
	return rc;
}

static int
random_serial(X509 *x, struct err *e)
{
	BIGNUM *bn = BN_new();
	int rc = -1;

	/* 128 random bits, positive and non-zero. */
	do {
		if (bn == NULL || !BN_rand(bn, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY)) {
			err_ossl(e, "could not draw a random serial number");
			goto out;
		}
	} while (BN_is_zero(bn));
	if (BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL) {
		err_ossl(e, "could not set the serial number");
		goto out;
	}
	rc = 0;
out:
	BN_free(bn);
	return rc;
}

const EVP_MD *
cred_digest(EVP_PKEY *key)
{
	/* ECDSA wants a hash as long as the curve: gpgsm 2.2 rejects a P-384
	 * signature made with SHA-256 ("a 256 bit hash is not valid for a 384
	 * bit ECC key"). */
	if (EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_bits(key) > 256)
		return EVP_sha384();
	return EVP_sha256();
}

/* The fields every certificate padseal makes shares: v3, a random serial,
 * the subject CN, the validity from `now` for `days` (cut at `until` when
 * that is earlier and not -1), the public key of `key`. */
static int
fill_base(X509 *x, const char *cn, EVP_PKEY *key, time_t now, int days, time_t until, struct err *e)
{
	if (!X509_set_version(x, X509_VERSION_3))
		xalloc_die();
	if (random_serial(x, e) != 0)
		return -1;
	if (!X509_NAME_add_entry_by_NID(X509_get_subject_name(x), NID_commonName, MBSTRING_UTF8,
					(const unsigned char *)cn, -1, -1, 0))
		return err_ossl(e, "the name \"%s\" cannot go into a certificate", cn);
	if (X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, &now) == NULL ||
	    !X509_set_pubkey(x, key))
		return err_ossl(e, "could not fill in the certificate");
	if (until != (time_t)-1 && X509_cmp_time(X509_get0_notAfter(x), &until) > 0 &&
	    X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &until) == NULL)
		return err_ossl(e, "could not fill in the certificate");
	return 0;
}

/* The mail certificate of DESIGN.md for `req` and `key`, signed by
 * `ca_key`: self-signed when `ca` is NULL, else issued by `ca` (issuer
 * name, AKI = the CA's SKI, notAfter no later than the CA's). */
static int
make_leaf(const struct cred_req *req, EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, time_t now,
	  X509 **out, struct err *e)
{
	X509 *x = xcheck(X509_new());
	X509V3_CTX ctx;
	int is_rsa = EVP_PKEY_is_a(key, "RSA");
	time_t until = ca ? asn1_time_t(X509_get0_notAfter(ca)) : (time_t)-1;
	int rc = -1;

	*out = NULL;
	if (fill_base(x, req->name, key, now, req->days, until, e) != 0)
		goto out;
	if (!X509_set_issuer_name(x, X509_get_subject_name(ca ? ca : x))) {
		err_ossl(e, "could not set the issuer");
		goto out;
	}
	X509V3_set_ctx(&ctx, ca ? ca : x, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE", e) != 0 ||
	    add_ext(x, &ctx, NID_key_usage,
		    is_rsa ? "critical,digitalSignature,keyEncipherment" :
			     "critical,digitalSignature,keyAgreement",
		    e) != 0 ||
	    add_ext(x, &ctx, NID_ext_key_usage, "emailProtection", e) != 0 ||
	    add_san(x, req, e) != 0 ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash", e) != 0 ||
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always", e) != 0)
		goto out;
	if (X509_sign(x, ca_key, cred_digest(ca_key)) <= 0) {
		err_ossl(e, "could not sign the certificate");
		goto out;
	}
	*out = x;
	x = NULL;
	rc = 0;
out:
	X509_free(x);
	return rc;
}

int
cred_make_cert(const struct cred_req *req, EVP_PKEY *key, time_t now, X509 **out, struct err *e)
{
	*out = NULL;
	if (cred_req_check(req, e) != 0)
		return -1;
	return make_leaf(req, key, NULL, key, now, out, e);
}

/* nameConstraints permitting exactly the request's addresses. */
static int
add_name_constraints(X509 *x, const struct cred_req *req, struct err *e)
{
	NAME_CONSTRAINTS *nc = xcheck(NAME_CONSTRAINTS_new());
	int rc = 0;

	nc->permittedSubtrees = xcheck(sk_GENERAL_SUBTREE_new_null());
	for (size_t i = 0; i < req->n_emails; i++) {
		GENERAL_SUBTREE *t = xcheck(GENERAL_SUBTREE_new());
		ASN1_IA5STRING *s = xcheck(ASN1_IA5STRING_new());

		if (!ASN1_STRING_set(s, req->emails[i], -1))
			xalloc_die();
		GENERAL_NAME_set0_value(t->base, GEN_EMAIL, s);
		if (!sk_GENERAL_SUBTREE_push(nc->permittedSubtrees, t))
			xalloc_die();
	}
	if (!X509_add1_ext_i2d(x, NID_name_constraints, nc, 1, X509V3_ADD_DEFAULT))
		rc = err_ossl(e, "could not add the nameConstraints extension");
	NAME_CONSTRAINTS_free(nc);
	return rc;
}

/* "NAME (mail CA)", the name cut (at a character) so that the whole fits
 * in a common name. */
static void
ca_common_name(const char *name, char *buf, size_t len)
{
	static const char suffix[] = " (mail CA)";
	size_t n = strlen(name), room = CN_MAX - (sizeof suffix - 1);

	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--; /* do not split a UTF-8 sequence */
	}
	snprintf(buf, len, "%.*s%s", (int)n, name, suffix);
}

int
cred_make_ca(const struct cred_req *req, EVP_PKEY *ca_key, time_t now, X509 **out, struct err *e)
{
	char cn[CN_MAX + 1];
	X509 *x = NULL;
	X509V3_CTX ctx;
	int rc = -1;

	*out = NULL;
	if (cred_req_check(req, e) != 0)
		return -1;
	ca_common_name(req->name, cn, sizeof cn);
	x = xcheck(X509_new());
	if (fill_base(x, cn, ca_key, now, req->days, (time_t)-1, e) != 0)
		goto out;
	if (!X509_set_issuer_name(x, X509_get_subject_name(x))) {
		err_ossl(e, "could not set the issuer");
		goto out;
	}
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0", e) != 0 ||
	    add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign", e) != 0 ||
	    add_name_constraints(x, req, e) != 0 ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash", e) != 0)
		goto out;
	if (X509_sign(x, ca_key, cred_digest(ca_key)) <= 0) {
		err_ossl(e, "could not sign the CA certificate");
		goto out;
	}
	*out = x;
	x = NULL;
	rc = 0;
out:
	X509_free(x);
	return rc;
}

int
cred_issue(const struct cred_req *req, EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, time_t now,
	   X509 **out, struct err *e)
{
	*out = NULL;
	if (cred_req_check(req, e) != 0)
		return -1;
	if (!cred_is_ca(ca))
		return err_set(e, "the issuing certificate is not a certificate authority");
	if (!cred_key_matches(ca, ca_key))
		return err_set(e, "the CA key does not belong to the CA certificate");
	if (X509_cmp_time(X509_get0_notAfter(ca), &now) <= 0)
		return err_set(e,
			       "the CA certificate has expired; it can no longer issue (make a new credential)");
	for (size_t i = 0; i < req->n_emails; i++)
		if (!cred_ca_permits(ca, req->emails[i]))
			return err_set(e,
				       "the CA is not allowed to issue for %s (its name constraints name other addresses)",
				       req->emails[i]);
	return make_leaf(req, key, ca, ca_key, now, out, e);
}

int
cred_is_ca(X509 *x)
{
	int ca = X509_check_ca(x) == 1 && (X509_get_extension_flags(x) & EXFLAG_CA) != 0;

	ERR_clear_error();
	return ca;
}

int
cred_issued_by(X509 *leaf, X509 *issuer)
{
	EVP_PKEY *pub = X509_get0_pubkey(issuer);
	int ok = pub != NULL &&
		 X509_NAME_cmp(X509_get_issuer_name(leaf), X509_get_subject_name(issuer)) == 0 &&
		 X509_verify(leaf, pub) == 1;

	ERR_clear_error();
	return ok;
}

int
cred_self_signed(X509 *x)
{
	return cred_issued_by(x, x);
}

X509 *
cred_chain_stray(X509 *leaf, STACK_OF(X509) * chain)
{
	int n = sk_X509_num(chain);
	unsigned char *used = xcalloc((size_t)n + 1, 1);
	X509 *cur = leaf, *stray = NULL;

	/* Walk up from the certificate: each step is a certificate of the
	 * chain that issued the one before, until a self-signed one. */
	while (!cred_self_signed(cur)) {
		int next = -1;

		for (int i = 0; i < n && next < 0; i++)
			if (!used[i] && cred_issued_by(cur, sk_X509_value(chain, i)))
				next = i;
		if (next < 0)
			break;
		used[next] = 1;
		cur = sk_X509_value(chain, next);
	}
	for (int i = 0; i < n && stray == NULL; i++)
		if (!used[i])
			stray = sk_X509_value(chain, i);
	free(used);
	return stray;
}

/* RFC 5280 4.2.1.10: an rfc822Name constraint is a mailbox (the whole
 * address), a host ("example.org": mailboxes at that host) or a domain
 * (".example.org": mailboxes at any host under it).  The host compares
 * ignoring case, the local part exactly (as OpenSSL and NSS do). */
static int
email_in_subtree(const char *addr, const ASN1_IA5STRING *base)
{
	const char *c = (const char *)ASN1_STRING_get0_data(base);
	size_t clen = (size_t)ASN1_STRING_length(base), hlen;
	const char *at = strrchr(addr, '@'), *host;

	if (at == NULL || clen == 0 || memchr(c, '\0', clen) != NULL)
		return 0;
	host = at + 1;
	hlen = strlen(host);
	if (memchr(c, '@', clen) != NULL) {
		size_t llen = (size_t)(at - addr);

		return clen == llen + 1 + hlen && memcmp(c, addr, llen + 1) == 0 &&
		       strncasecmp(c + llen + 1, host, hlen) == 0;
	}
	if (c[0] == '.')
		return hlen > clen && strncasecmp(host + hlen - clen, c, clen) == 0;
	return hlen == clen && strncasecmp(host, c, clen) == 0;
}

/* Whether `addr` falls in one of `trees`' rfc822Name subtrees; *any is
 * set when there is at least one such subtree. */
static int
in_subtrees(const char *addr, STACK_OF(GENERAL_SUBTREE) * trees, int *any)
{
	*any = 0;
	for (int i = 0; i < sk_GENERAL_SUBTREE_num(trees); i++) {
		GENERAL_NAME *g = sk_GENERAL_SUBTREE_value(trees, i)->base;

		if (g->type != GEN_EMAIL)
			continue;
		*any = 1;
		if (email_in_subtree(addr, g->d.rfc822Name))
			return 1;
	}
	return 0;
}

int
cred_ca_permits(X509 *ca, const char *addr)
{
	NAME_CONSTRAINTS *nc = X509_get_ext_d2i(ca, NID_name_constraints, NULL, NULL);
	int any, ok = 1;

	if (nc != NULL) {
		if (in_subtrees(addr, nc->excludedSubtrees, &any))
			ok = 0;
		else if (!in_subtrees(addr, nc->permittedSubtrees, &any) && any)
			ok = 0;
	} else if (X509_get_ext_by_NID(ca, NID_name_constraints, -1) >= 0) {
		ok = 0; /* present but unreadable: permits nothing */
	}
	NAME_CONSTRAINTS_free(nc);
	ERR_clear_error();
	return ok;
}

int
cred_key_encrypt(EVP_PKEY *key, const char *pass, char **pem, size_t *len, struct err *e)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	X509_ALGOR *pbe = NULL;
	X509_SIG *sig = NULL;
	BIO *bio = NULL;
	BUF_MEM *mem;
	int rc = -1;

	*pem = NULL;
	*len = 0;
	if ((p8 = EVP_PKEY2PKCS8(key)) == NULL) {
		err_ossl(e, "could not encode the private key");
		goto out;
	}
	pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), NULL, 0, NULL, SCRYPT_N, SCRYPT_R, SCRYPT_P);
	if (pbe == NULL) {
		err_ossl(e, "could not set up the key encryption");
		goto out;
	}
	/* On success PKCS8_set0_pbe takes ownership of pbe. */
	if ((sig = PKCS8_set0_pbe(pass, (int)strlen(pass), p8, pbe)) == NULL) {
		err_ossl(e, "could not encrypt the private key");
		goto out;
	}
	pbe = NULL;
	if ((bio = BIO_new(BIO_s_secmem())) == NULL || !PEM_write_bio_PKCS8(bio, sig)) {
		err_ossl(e, "could not encode the encrypted key");
		goto out;
	}
	BIO_get_mem_ptr(bio, &mem);
	*pem = xcheck(OPENSSL_malloc(mem->length + 1));
	memcpy(*pem, mem->data, mem->length);
	(*pem)[mem->length] = '\0';
	*len = mem->length;
	rc = 0;
out:
	X509_ALGOR_free(pbe);
	X509_SIG_free(sig);
	PKCS8_PRIV_KEY_INFO_free(p8); /* frees with cleansing */
	BIO_free(bio);
	return rc;
}

int
cred_key_decrypt(const char *pem, size_t len, const char *pass, const char *what, EVP_PKEY **out,
		 struct err *e)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509_SIG *sig = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	int rc = -1;

	*out = NULL;
	if (bio == NULL || (sig = PEM_read_bio_PKCS8(bio, NULL, NULL, NULL)) == NULL) {
		err_ossl(e, "%s is damaged: it is not an encrypted private key", what);
		goto out;
	}
	if ((p8 = PKCS8_decrypt(sig, pass, (int)strlen(pass))) == NULL) {
		err_ossl(e, "the passphrase does not unlock %s", what);
		goto out;
	}
	if ((*out = EVP_PKCS82PKEY(p8)) == NULL) {
		err_ossl(e, "%s is damaged: the decrypted key cannot be read", what);
		goto out;
	}
	rc = 0;
out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	X509_SIG_free(sig);
	BIO_free(bio);
	return rc;
}

int
cred_key_matches(X509 *cert, EVP_PKEY *key)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	int ok = pub != NULL && key != NULL && EVP_PKEY_eq(pub, key) == 1;

	ERR_clear_error();
	return ok;
}

static int
looks_like(const unsigned char *buf, size_t len, const char *label)
{
	char begin[64];

	snprintf(begin, sizeof begin, "-----BEGIN %s", label);
	return len > strlen(begin) && memmem(buf, len, begin, strlen(begin)) != NULL;
}

int
cert_parse(const unsigned char *buf, size_t len, const char *what, X509 **out, struct err *e)
{
	const unsigned char *p = buf;
	BIO *bio;

	*out = NULL;
	if (looks_like(buf, len, "")) {
		bio = xcheck(BIO_new_mem_buf(buf, (int)len));
		*out = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
		BIO_free(bio);
		if (*out != NULL) {
			ERR_clear_error();
			return 0;
		}
		if (looks_like(buf, len, "CERTIFICATE"))
			return err_ossl(e,
					"%s has a damaged certificate (the PEM block cannot be read)",
					what);
		if (looks_like(buf, len, "PKCS7"))
			return err_ossl(e, "%s is a PKCS#7 bundle, not a single certificate", what);
		if (memmem(buf, len, "PRIVATE KEY", 11) != NULL)
			return err_ossl(e, "%s holds a private key, not a certificate", what);
		return err_ossl(e, "%s holds no certificate", what);
	}
	*out = d2i_X509(NULL, &p, (long)len);
	if (*out != NULL && p == buf + len) {
		ERR_clear_error();
		return 0;
	}
	X509_free(*out);
	*out = NULL;
	if (len > 4 && buf[0] == 0x30) {
		PKCS12 *p12;

		p = buf;
		if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) != NULL) {
			PKCS12_free(p12);
			return err_ossl(e,
					"%s is a PKCS#12 backup (.p12), not a certificate; use padseal restore for it",
					what);
		}
	}
	return err_ossl(e, "%s is not a certificate (neither PEM nor DER)", what);
}

static char *
bio_take(BIO *bio, size_t *len)
{
	BUF_MEM *mem;
	char *p;

	BIO_get_mem_ptr(bio, &mem);
	p = xcheck(OPENSSL_malloc(mem->length + 1));
	memcpy(p, mem->data, mem->length);
	p[mem->length] = '\0';
	if (len != NULL)
		*len = mem->length;
	return p;
}

char *
cert_to_pem(X509 *cert, size_t *len)
{
	BIO *bio = xcheck(BIO_new(BIO_s_mem()));
	char *p;

	/* Writing to memory fails only when memory runs out. */
	if (!PEM_write_bio_X509(bio, cert))
		xalloc_die();
	p = bio_take(bio, len);
	BIO_free(bio);
	return p;
}

unsigned char *
cert_to_der(X509 *cert, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(cert, &der);

	/* A certificate in memory was decoded or built, so it encodes:
	 * this fails only when memory runs out. */
	if (n <= 0)
		xalloc_die();
	*len = (size_t)n;
	return der;
}

static char *
dup_ia5(const ASN1_STRING *s)
{
	int n = ASN1_STRING_length(s);
	const unsigned char *d = ASN1_STRING_get0_data(s);
	char *p;

	if (n <= 0 || memchr(d, '\0', (size_t)n) != NULL)
		return NULL;
	p = xmalloc((size_t)n + 1);
	/* A hostile certificate must not put terminal escapes on screen:
	 * control characters (never valid in an address) become '?'. */
	for (int i = 0; i < n; i++)
		p[i] = d[i] < 0x20 || d[i] == 0x7f ? '?' : (char)d[i];
	p[n] = '\0';
	return p;
}

static void
push(char ***list, size_t *n, char *s)
{
	if (s == NULL)
		return;
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[(*n)++] = s;
}

size_t
cert_emails(X509 *cert, char ***out)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	X509_NAME *subj = X509_get_subject_name(cert);
	size_t n = 0;

	*out = NULL;
	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_EMAIL)
			push(out, &n, dup_ia5(g->d.rfc822Name));
	}
	GENERAL_NAMES_free(gens);
	for (int i = -1; n == 0 && subj != NULL;) {
		i = X509_NAME_get_index_by_NID(subj, NID_pkcs9_emailAddress, i);
		if (i < 0)
			break;
		push(out, &n, dup_ia5(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i))));
	}
	ERR_clear_error();
	return n;
}

size_t
cert_email_count(X509 *cert)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	size_t n = 0;

	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++)
		n += sk_GENERAL_NAME_value(gens, i)->type == GEN_EMAIL;
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
	return n;
}

void
cert_emails_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

char *
cert_common_name(X509 *cert)
{
	X509_NAME *subj = X509_get_subject_name(cert);
	int i = subj ? X509_NAME_get_index_by_NID(subj, NID_commonName, -1) : -1;
	unsigned char *utf8 = NULL;
	char *s;
	int n;

	if (i < 0 || (n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
							     X509_NAME_get_entry(subj, i)))) < 0) {
		ERR_clear_error();
		return xstrdup("");
	}
	s = xstrndup((char *)utf8, (size_t)n);
	OPENSSL_free(utf8);
	/* Control characters would garble a terminal: show them as '?'. */
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}

void
cert_key_desc(X509 *cert, char *buf, size_t len)
{
	EVP_PKEY *pk = X509_get0_pubkey(cert);
	char group[64] = "";

	if (pk == NULL) {
		snprintf(buf, len, "unreadable key");
	} else if (EVP_PKEY_is_a(pk, "RSA")) {
		snprintf(buf, len, "RSA %d", EVP_PKEY_get_bits(pk));
	} else if (EVP_PKEY_is_a(pk, "EC")) {
		const char *nist = NULL;

		if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group,
						   sizeof group, NULL))
			nist = EC_curve_nid2nist(OBJ_txt2nid(group));
		snprintf(buf, len, "EC %s", nist ? nist : group[0] ? group : "(unknown curve)");
	} else {
		snprintf(buf, len, "%s", EVP_PKEY_get0_type_name(pk));
	}
	ERR_clear_error();
}

int
asn1_time_iso(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
		snprintf(buf, len, "(unreadable)");
		ERR_clear_error();
		return -1;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return 0;
}

time_t
asn1_time_t(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
		ERR_clear_error();
		return (time_t)-1;
	}
	return timegm(&tm);
}

void
cert_serial_hex(X509 *cert, char *buf, size_t len)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	snprintf(buf, len, "%s", hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
	ERR_clear_error();
}
