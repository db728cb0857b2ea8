#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cred.h"
#include "lint.h"

/* Every finding lint can report.  The codes are a stable contract (scripts
 * and tests match on them); the texts are written at the call site because
 * they name what was found. */
enum lint_id {
	L_CERT_NONE,
	L_EXT_INVALID,
	L_KEY_UNREADABLE,
	L_KEY_TYPE,
	L_RSA_SMALL,
	L_RSA_2048,
	L_EC_WEAK,
	L_EC_UNSUPPORTED,
	L_EC_OLD_CLIENTS,
	L_SIG_MD5,
	L_SIG_SHA1,
	L_SIG_UNKNOWN,
	L_SIG_INVALID,
	L_SELF_SIGNED,
	L_CA_ISSUED,
	L_VALIDITY_BAD,
	L_EXPIRED,
	L_NOT_YET_VALID,
	L_EXPIRES_SOON,
	L_VALIDITY_LONG,
	L_KU_MISSING,
	L_KU_NO_SIGNING,
	L_KU_NO_ENCRYPTION,
	L_KU_NOT_CRITICAL,
	L_EKU_MISSING,
	L_EKU_NO_EMAIL,
	L_EKU_ANY,
	L_CA_TRUE,
	L_ADDR_MISSING,
	L_ADDR_SUBJECT_ONLY,
	L_ADDR_CASE_DUP,
	L_ADDR_MALFORMED,
	L_NAME_MISSING,
	L_KEY_MISMATCH,
	L_CA_NOT_CA,
	L_CA_NO_CERTSIGN,
	L_CA_NO_PATHLEN,
	L_CA_NO_NC,
	L_CA_NC_OUTSIDE,
	L_CA_OUTLIVED,
	L_COUNT
};

#define EXPIRES_SOON_DAYS 30

struct lint_def {
	enum lint_sev sev;
	const char *code;
	const char *clients;
	const char *fix;
};

#define ALL  "all mail clients"
#define BIG3 "Apple Mail, Outlook, Thunderbird"
#define RENEW                                                           \
	"create a new credential and send the new certificate to your " \
	"correspondents; keep the old key to read old mail"

/* clang-format off */
static const struct lint_def defs[] = {
	[L_CERT_NONE] = {LINT_ERROR, "cert-none", ALL,
		"give a certificate file (PEM or DER)"},
	[L_EXT_INVALID] = {LINT_ERROR, "ext-invalid", ALL,
		"replace the certificate; it cannot be repaired"},
	[L_KEY_UNREADABLE] = {LINT_ERROR, "key-unreadable", ALL,
		"replace the certificate; it cannot be repaired"},
	[L_KEY_TYPE] = {LINT_WARNING, "key-type", BIG3,
		"create a new credential with an RSA 3072 or EC P-256 key"},
	[L_RSA_SMALL] = {LINT_ERROR, "rsa-small", BIG3,
		"create a new credential with an RSA 3072 key"},
	[L_RSA_2048] = {LINT_INFO, "rsa-2048", "none today",
		"nothing now; choose RSA 3072 for the next credential"},
	[L_EC_WEAK] = {LINT_ERROR, "ec-curve-weak", BIG3,
		"create a new credential with an EC P-256 or RSA 3072 key"},
	[L_EC_UNSUPPORTED] = {LINT_WARNING, "ec-curve-unsupported",
		"Apple Mail, Thunderbird, Outlook",
		"create a new credential with an EC P-256 or RSA 3072 key"},
	[L_EC_OLD_CLIENTS] = {LINT_INFO, "ec-old-clients",
		"Outlook 2010 and older, GnuPG gpgsm 2.2",
		"nothing, unless a correspondent uses such a client; then use "
		"an RSA 3072 credential"},
	[L_SIG_MD5] = {LINT_ERROR, "sig-md5", BIG3, RENEW},
	[L_SIG_SHA1] = {LINT_WARNING, "sig-sha1", "Thunderbird 115 and later",
		RENEW},
	[L_SIG_UNKNOWN] = {LINT_WARNING, "sig-unknown", ALL, RENEW},
	[L_SIG_INVALID] = {LINT_ERROR, "sig-invalid", ALL,
		"do not use it; get the certificate again from its owner and "
		"compare fingerprints"},
	[L_SELF_SIGNED] = {LINT_INFO, "self-signed", ALL,
		"read the SHA-256 fingerprint to each correspondent by phone or "
		"in person before they trust it"},
	[L_CA_ISSUED] = {LINT_INFO, "ca-issued", ALL,
		"correspondents trust the issuer's certificate once, after "
		"checking its fingerprint"},
	[L_VALIDITY_BAD] = {LINT_ERROR, "validity-unreadable", ALL,
		"replace the certificate; it cannot be repaired"},
	[L_EXPIRED] = {LINT_ERROR, "expired", ALL, RENEW},
	[L_NOT_YET_VALID] = {LINT_ERROR, "not-yet-valid", ALL,
		"check the clock of the computer that made it; if it was wrong, "
		"create a new credential"},
	[L_EXPIRES_SOON] = {LINT_INFO, "expires-soon", ALL,
		"create a new credential before then and send it to your "
		"correspondents; keep the old key to read old mail"},
	[L_VALIDITY_LONG] = {LINT_INFO, "validity-long", "none",
		"note the renewal date; nothing else to do"},
	[L_KU_MISSING] = {LINT_ERROR, "ku-missing",
		"Apple Mail (macOS 10.12 and later), iOS Mail", RENEW},
	[L_KU_NO_SIGNING] = {LINT_ERROR, "ku-no-signing", BIG3, RENEW},
	[L_KU_NO_ENCRYPTION] = {LINT_ERROR, "ku-no-encryption", BIG3, RENEW},
	[L_KU_NOT_CRITICAL] = {LINT_WARNING, "ku-not-critical",
		"strict RFC 8550 clients", RENEW},
	[L_EKU_MISSING] = {LINT_ERROR, "eku-missing", "Apple Mail, Outlook",
		RENEW},
	[L_EKU_NO_EMAIL] = {LINT_ERROR, "eku-no-email", BIG3, RENEW},
	[L_EKU_ANY] = {LINT_WARNING, "eku-any", "Thunderbird, Outlook",
		RENEW},
	[L_CA_TRUE] = {LINT_ERROR, "ca-true", "Thunderbird, Apple Mail, Outlook",
		"create a separate mail credential (CA:FALSE); use a CA only to "
		"issue credentials"},
	[L_ADDR_MISSING] = {LINT_ERROR, "addr-missing", ALL,
		"create a new credential with the address in subjectAltName"},
	[L_ADDR_SUBJECT_ONLY] = {LINT_WARNING, "addr-subject-only",
		"Apple Mail, Outlook, Thunderbird",
		"create a new credential with the address in subjectAltName"},
	[L_ADDR_CASE_DUP] = {LINT_WARNING, "addr-case-dup",
		"Apple Mail, Outlook, Thunderbird",
		"create a new credential with each address once, spelled as "
		"in your mail"},
	[L_ADDR_MALFORMED] = {LINT_WARNING, "addr-malformed", ALL,
		"create a new credential with the bare address, like "
		"user@example.org"},
	[L_NAME_MISSING] = {LINT_INFO, "name-missing", ALL,
		"give a name the next time you create a credential"},
	[L_KEY_MISMATCH] = {LINT_ERROR, "key-mismatch", ALL,
		"find the key that was made with this certificate (restore "
		"the backup), or create a new credential"},
	[L_CA_NOT_CA] = {LINT_ERROR, "ca-not-ca", "Thunderbird, Apple Mail, Outlook, OpenSSL, gpgsm",
		"create a new credential; its CA must say CA:TRUE"},
	[L_CA_NO_CERTSIGN] = {LINT_ERROR, "ca-no-certsign",
		"Thunderbird (NSS), OpenSSL, gpgsm", "create a new credential"},
	[L_CA_NO_PATHLEN] = {LINT_WARNING, "ca-no-pathlen", "none today; a stolen CA key could "
		"make further CAs", "use padseal's CA form (pathLen 0) for new credentials"},
	[L_CA_NO_NC] = {LINT_WARNING, "ca-no-nameconstraints", ALL,
		"use padseal's CA form, limited to your addresses, for new credentials"},
	[L_CA_NC_OUTSIDE] = {LINT_ERROR, "ca-nc-outside",
		"Thunderbird (NSS), OpenSSL, gpgsm with nameConstraints",
		"create a new credential whose CA permits its addresses"},
	[L_CA_OUTLIVED] = {LINT_WARNING, "ca-outlived", ALL,
		"renew before the CA expires; after that create a new credential"},
};
/* clang-format on */

_Static_assert(sizeof defs / sizeof defs[0] == L_COUNT, "every finding needs its definition");

static void add(struct lint_report *r, enum lint_id id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record a finding.  When the report is full, a finding replaces the last
 * one of lower severity, so errors are never crowded out by notes. */
static void
add(struct lint_report *r, enum lint_id id, const char *fmt, ...)
{
	const struct lint_def *d = &defs[id];
	struct lint_finding *f;
	va_list ap;

	if (r->n < LINT_MAX) {
		f = &r->f[r->n++];
	} else {
		size_t low = LINT_MAX;

		for (size_t i = 0; i < LINT_MAX; i++)
			if (r->f[i].sev < d->sev &&
			    (low == LINT_MAX || r->f[i].sev <= r->f[low].sev))
				low = i;
		if (low == LINT_MAX)
			return;
		f = &r->f[low];
	}
	f->sev = d->sev;
	f->code = d->code;
	f->clients = d->clients;
	f->fix = d->fix;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof f->text, fmt, ap);
	va_end(ap);
}

/* Copy at most `n` bytes of certificate text into buf, printable ASCII only
 * (anything else becomes '?'), cut to fit. */
static void
printable(char *buf, size_t len, const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < len; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	buf[i] = '\0';
}

static void
asn1_printable(char *buf, size_t len, const ASN1_STRING *s)
{
	printable(buf, len, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
}

/* The first common name of `name` as UTF-8 without control characters, cut
 * at a character boundary to fit.  Returns -1 when there is none. */
static int
name_utf8(const X509_NAME *name, char *buf, size_t len)
{
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *u = NULL;
	int n;
	size_t k = 0;

	if (i < 0 ||
	    (n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)))) <
		    0)
		return -1;
	for (int j = 0; j < n && k + 1 < len; j++)
		buf[k++] = u[j] < 0x20 || u[j] == 0x7f ? '?' : (char)u[j];
	while (k > 0 && k < (size_t)n && (u[k] & 0xc0) == 0x80)
		k--;
	buf[k] = '\0';
	OPENSSL_free(u);
	return 0;
}

/* ---- extensions that cannot be decoded ---- */

/* 1 when an extension OpenSSL knows cannot be decoded. */
static int
ext_broken(X509_EXTENSION *ext)
{
	const X509V3_EXT_METHOD *m = X509V3_EXT_get(ext);
	void *v;

	if (m == NULL)
		return 0;
	if ((v = X509V3_EXT_d2i(ext)) == NULL)
		return 1;
	if (m->it != NULL)
		ASN1_item_free(v, ASN1_ITEM_ptr(m->it));
	else if (m->ext_free != NULL)
		m->ext_free(v);
	return 0;
}

static void
check_ext_invalid(X509 *cert, struct lint_report *r)
{
	int n = X509_get_ext_count(cert);

	for (int i = 0; i < n; i++) {
		X509_EXTENSION *ext = X509_get_ext(cert, i);
		ASN1_OBJECT *obj = X509_EXTENSION_get_object(ext);
		char name[80];

		if (OBJ_obj2txt(name, sizeof name, obj, 0) <= 0)
			snprintf(name, sizeof name, "(unreadable)");
		if (X509_get_ext_by_OBJ(cert, obj, i) >= 0) {
			add(r, L_EXT_INVALID,
			    "The certificate has the %s extension twice, so "
			    "clients that check extensions (Apple Mail, "
			    "Thunderbird, Outlook) reject the whole "
			    "certificate.",
			    name);
			return;
		}
		if (ext_broken(ext)) {
			add(r, L_EXT_INVALID,
			    "The certificate's %s extension cannot be decoded, "
			    "so clients that check extensions (Apple Mail, "
			    "Thunderbird, Outlook) reject the whole "
			    "certificate.",
			    name);
			return;
		}
	}
	if (X509_get_extension_flags(cert) & EXFLAG_INVALID)
		add(r, L_EXT_INVALID,
		    "The certificate's extensions contradict each other or "
		    "cannot be read, so clients that check extensions (Apple "
		    "Mail, Thunderbird, Outlook) reject the whole "
		    "certificate.");
}

/* ---- the public key ---- */

enum kind { K_NONE, K_RSA, K_EC, K_OTHER };

static enum kind
check_ec(EVP_PKEY *pk, struct lint_report *r)
{
	char group[64] = "", shown[80];
	int bits = EVP_PKEY_get_bits(pk), nid;
	const char *nist;

	if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
					    NULL))
		group[0] = '\0';
	nid = group[0] ? OBJ_txt2nid(group) : NID_undef;
	nist = nid != NID_undef ? EC_curve_nid2nist(nid) : NULL;
	snprintf(shown, sizeof shown, "%s",
		 nist     ? nist :
		 group[0] ? group :
			    "explicit curve parameters");
	if (bits < 256) {
		add(r, L_EC_WEAK,
		    "The EC key uses %s (%d bits), weaker than P-256 and "
		    "supported by none of Apple Mail, Thunderbird and Outlook, "
		    "so they refuse the certificate.",
		    shown, bits);
	} else if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1 && nid != NID_secp521r1) {
		add(r, L_EC_UNSUPPORTED,
		    "The EC key uses %s, but mail clients support only the "
		    "curves P-256, P-384 and P-521, so Apple Mail and "
		    "Thunderbird cannot use the certificate.",
		    shown);
	} else {
		add(r, L_EC_OLD_CLIENTS,
		    "The key is EC %s, which current clients use, but Outlook "
		    "2010 and older cannot, and GnuPG's gpgsm 2.2 crashes "
		    "importing EC backups (PKCS#12).",
		    shown);
	}
	return K_EC;
}

static enum kind
check_key(EVP_PKEY *pk, struct lint_report *r)
{
	int bits;

	if (pk == NULL) {
		add(r, L_KEY_UNREADABLE,
		    "The certificate's public key cannot be read, so no client "
		    "can check its signatures or encrypt mail to it.");
		return K_NONE;
	}
	if (EVP_PKEY_is_a(pk, "EC"))
		return check_ec(pk, r);
	if (!EVP_PKEY_is_a(pk, "RSA")) {
		const char *t = EVP_PKEY_get0_type_name(pk);

		add(r, L_KEY_TYPE,
		    "The key type %s is not supported for S/MIME by common "
		    "mail clients and cannot receive encrypted mail, so "
		    "correspondents cannot encrypt to this certificate.",
		    t != NULL ? t : "(unknown)");
		return K_OTHER;
	}
	bits = EVP_PKEY_get_bits(pk);
	if (bits < 2048)
		add(r, L_RSA_SMALL,
		    "The RSA key has only %d bits, below the 2048 that current "
		    "clients require, so they refuse the certificate and the "
		    "key could be broken.",
		    bits);
	else if (bits < 3072)
		add(r, L_RSA_2048,
		    "The RSA key has %d bits, accepted everywhere today but "
		    "weaker than the 3072 bits advised for mail that must stay "
		    "private for decades.",
		    bits);
	return K_RSA;
}

/* ---- the signature ---- */

/* The signature's digest.  Returns 0 when the algorithm is unknown. */
static int
check_sig_alg(X509 *cert, struct lint_report *r)
{
	int md = NID_undef, pkn = NID_undef;

	if (!X509_get_signature_info(cert, &md, &pkn, NULL, NULL) &&
	    !OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md, &pkn)) {
		const X509_ALGOR *alg = NULL;
		const ASN1_OBJECT *obj = NULL;
		char oid[80] = "(none)";

		X509_get0_signature(NULL, &alg, cert);
		if (alg != NULL)
			X509_ALGOR_get0(&obj, NULL, NULL, alg);
		if (obj != NULL && OBJ_obj2txt(oid, sizeof oid, obj, 0) <= 0)
			snprintf(oid, sizeof oid, "(unreadable)");
		add(r, L_SIG_UNKNOWN,
		    "The signature algorithm %s is unknown, so clients are "
		    "unlikely to accept the certificate's signature.",
		    oid);
		return 0;
	}
	if (md == NID_md5 || md == NID_md4 || md == NID_md2)
		add(r, L_SIG_MD5,
		    "The certificate is signed with %s, which is broken "
		    "(signatures can be forged), so current clients reject it.",
		    OBJ_nid2sn(md));
	else if (md == NID_sha1)
		add(r, L_SIG_SHA1,
		    "The certificate is signed with SHA-1, which Thunderbird "
		    "115 and later show as an invalid signature.");
	return 1;
}

/* Who vouches for the certificate; a self-signature must verify.  With an
 * unknown algorithm or key there is nothing to verify with. */
static void
check_issuer(X509 *cert, EVP_PKEY *pk, int alg_known, struct lint_report *r)
{
	if (X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)) != 0) {
		char cn[120], who[130] = "an unnamed authority";

		if (name_utf8(X509_get_issuer_name(cert), cn, sizeof cn) == 0)
			snprintf(who, sizeof who, "\"%s\"", cn);
		add(r, L_CA_ISSUED,
		    "The certificate is issued by %s, so each correspondent "
		    "must trust that authority's certificate (or this one) "
		    "before signatures show as valid.",
		    who);
	} else if (pk == NULL || !alg_known) {
		return;
	} else if (X509_verify(cert, pk) != 1) {
		add(r, L_SIG_INVALID,
		    "The certificate names itself as its issuer but its "
		    "signature does not verify with its own key, so it was "
		    "damaged or altered and every client rejects it.");
	} else {
		add(r, L_SELF_SIGNED,
		    "The certificate is self-signed (no authority vouches for "
		    "it), so each correspondent must check its fingerprint "
		    "with you by phone or in person before trusting it.");
	}
}

/* ---- validity ---- */

static void
day_of(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm) || strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, len, "an unreadable date");
}

static void
check_validity(X509 *cert, time_t now, struct lint_report *r)
{
	const ASN1_TIME *nb = X509_get0_notBefore(cert);
	const ASN1_TIME *na = X509_get0_notAfter(cert);
	ASN1_TIME *at = ASN1_TIME_set(NULL, now);
	int cb, ca, days, secs;
	char day[32];

	cb = nb != NULL ? X509_cmp_time(nb, &now) : 0;
	ca = na != NULL ? X509_cmp_time(na, &now) : 0;
	if (cb == 0 || ca == 0 || at == NULL) {
		add(r, L_VALIDITY_BAD,
		    "The certificate's validity dates cannot be read, so "
		    "clients reject it.");
		goto out;
	}
	if (ca < 0) {
		day_of(na, day, sizeof day);
		add(r, L_EXPIRED,
		    "The certificate expired on %s, so clients refuse to sign "
		    "or encrypt with it (its key still opens old mail).",
		    day);
	} else if (ASN1_TIME_diff(&days, &secs, at, na) && days < EXPIRES_SOON_DAYS) {
		day_of(na, day, sizeof day);
		add(r, L_EXPIRES_SOON,
		    "The certificate expires on %s, in %d days; after that, "
		    "clients refuse to sign or encrypt with it.",
		    day, days);
	}
	if (cb > 0) {
		day_of(nb, day, sizeof day);
		add(r, L_NOT_YET_VALID,
		    "The certificate is valid only from %s, so clients refuse "
		    "it until then (perhaps the clock of the computer that "
		    "made it was wrong).",
		    day);
	}
	if (ASN1_TIME_diff(&days, &secs, nb, na) && (days > 825 || (days == 825 && secs > 0)))
		add(r, L_VALIDITY_LONG,
		    "The certificate is valid for %d days, more than the 825 "
		    "common for certificates; mail clients accept that, but "
		    "note when to renew it.",
		    days);
out:
	ASN1_TIME_free(at);
}

/* ---- key usage, extended key usage, basic constraints ---- */

static void
check_ku(X509 *cert, enum kind kind, struct lint_report *r)
{
	int crit = -1;
	ASN1_BIT_STRING *ku = X509_get_ext_d2i(cert, NID_key_usage, &crit, NULL);

	if (ku == NULL) {
		if (crit == -1)
			add(r, L_KU_MISSING,
			    "The certificate has no Key Usage extension, so "
			    "Apple Mail (macOS 10.12 and later) rejects it; it "
			    "cannot be repaired, only replaced.");
		return; /* present but unreadable: ext-invalid says so */
	}
	if (!crit)
		add(r, L_KU_NOT_CRITICAL,
		    "The Key Usage extension is not marked critical as the "
		    "S/MIME profile (RFC 8550) asks, so strict clients may "
		    "refuse the certificate.");
	if ((kind == K_RSA || kind == K_EC) && !ASN1_BIT_STRING_get_bit(ku, 0))
		add(r, L_KU_NO_SIGNING,
		    "Key Usage lacks digitalSignature, so clients refuse "
		    "signatures made with this key.");
	if (kind == K_RSA && !ASN1_BIT_STRING_get_bit(ku, 2))
		add(r, L_KU_NO_ENCRYPTION,
		    "Key Usage lacks keyEncipherment, which an RSA key needs "
		    "to receive encrypted mail, so correspondents' clients "
		    "refuse to encrypt to it.");
	if (kind == K_EC && !ASN1_BIT_STRING_get_bit(ku, 4))
		add(r, L_KU_NO_ENCRYPTION,
		    "Key Usage lacks keyAgreement, which an EC key needs to "
		    "receive encrypted mail, so correspondents' clients refuse "
		    "to encrypt to it.");
	ASN1_BIT_STRING_free(ku);
}

/* A missing extendedKeyUsage means "any use" in RFC 5280, but DESIGN.md
 * (and Apple Mail and Outlook in practice) want emailProtection named: an
 * error.  anyExtendedKeyUsage without emailProtection is valid by the RFC
 * and accepted by some clients: a warning. */
static void
check_eku(X509 *cert, struct lint_report *r)
{
	int crit = -1, email = 0, any = 0;
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, NULL);

	if (eku == NULL) {
		if (crit == -1)
			add(r, L_EKU_MISSING,
			    "The certificate has no Extended Key Usage "
			    "extension; the standard reads that as any use, "
			    "but Apple Mail and Outlook look for "
			    "emailProtection and may refuse it for mail.");
		return;
	}
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));

		email |= nid == NID_email_protect;
		any |= nid == NID_anyExtendedKeyUsage;
	}
	if (!email && any)
		add(r, L_EKU_ANY,
		    "Extended Key Usage allows any use (anyExtendedKeyUsage) "
		    "but does not name emailProtection, so clients that look "
		    "for emailProtection itself may refuse it for mail.");
	else if (!email)
		add(r, L_EKU_NO_EMAIL,
		    "Extended Key Usage does not include emailProtection, so "
		    "clients refuse the certificate for signed and encrypted "
		    "mail.");
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
}

static void
check_bc(X509 *cert, struct lint_report *r)
{
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(cert, NID_basic_constraints, NULL, NULL);

	if (bc != NULL && bc->ca)
		add(r, L_CA_TRUE,
		    "The certificate is marked as a certificate authority "
		    "(CA:TRUE), so Thunderbird does not accept it as a "
		    "person's mail certificate and other clients treat it as "
		    "an authority, not a correspondent.");
	BASIC_CONSTRAINTS_free(bc);
}

/* ---- addresses and name ---- */

/* 1 when s[0..n) looks like a bare addr-spec: printable ASCII without
 * spaces or display-name punctuation, one '@' with text on both sides. */
static int
bare_addr(const unsigned char *s, size_t n)
{
	size_t at = n;

	for (size_t i = 0; i < n; i++) {
		if (s[i] <= 0x20 || s[i] >= 0x7f || strchr("<>(),;:\"[]\\", s[i]))
			return 0;
		if (s[i] == '@') {
			if (at != n)
				return 0;
			at = i;
		}
	}
	return at > 0 && at + 1 < n;
}

static int
same_ignoring_case(const ASN1_STRING *a, const ASN1_STRING *b)
{
	const unsigned char *p = ASN1_STRING_get0_data(a);
	const unsigned char *q = ASN1_STRING_get0_data(b);
	int n = ASN1_STRING_length(a);

	if (n != ASN1_STRING_length(b))
		return 0;
	for (int i = 0; i < n; i++) {
		unsigned char c = p[i], d = q[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (d >= 'A' && d <= 'Z')
			d = (unsigned char)(d - 'A' + 'a');
		if (c != d)
			return 0;
	}
	return 1;
}

#define ADDR_CMP_MAX 64 /* addresses compared pairwise for case twins */

/* The rfc822Names of subjectAltName: malformed ones and case twins.
 * Returns how many there are. */
static int
check_san(X509 *cert, struct lint_report *r)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	const ASN1_STRING *seen[ADDR_CMP_MAX];
	int n = 0, bad = 0, twin = 0;
	char a[100], b[100];

	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;

		if (g->type != GEN_EMAIL)
			continue;
		s = g->d.rfc822Name;
		if (!bad && !bare_addr(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s))) {
			bad = 1;
			asn1_printable(a, sizeof a, s);
			add(r, L_ADDR_MALFORMED,
			    "The address \"%s\" is not a bare address like "
			    "user@example.org, so clients never match it to a "
			    "mail's sender or recipient.",
			    a);
		}
		for (int j = 0; !twin && j < n && j < ADDR_CMP_MAX; j++) {
			if (ASN1_STRING_cmp(seen[j], s) == 0 || !same_ignoring_case(seen[j], s))
				continue;
			twin = 1;
			asn1_printable(a, sizeof a, seen[j]);
			asn1_printable(b, sizeof b, s);
			add(r, L_ADDR_CASE_DUP,
			    "The addresses %s and %s differ only in case, so "
			    "clients that compare ignoring case see one "
			    "address twice and Apple Mail, which compares "
			    "exactly, may pick the wrong one.",
			    a, b);
		}
		if (n < ADDR_CMP_MAX)
			seen[n] = s;
		n++;
	}
	GENERAL_NAMES_free(gens);
	return n;
}

static void
check_addrs(X509 *cert, struct lint_report *r)
{
	X509_NAME *subj = X509_get_subject_name(cert);
	int i = X509_NAME_get_index_by_NID(subj, NID_pkcs9_emailAddress, -1);
	int n_san = check_san(cert, r);
	char a[100], cn[8];

	if (n_san == 0 && i >= 0) {
		asn1_printable(a, sizeof a, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i)));
		add(r, L_ADDR_SUBJECT_ONLY,
		    "The address %s is only in the subject's emailAddress, not "
		    "in subjectAltName where clients look for it (RFC 8550), "
		    "so some clients will not match it to your mail.",
		    a);
	} else if (n_san == 0) {
		add(r, L_ADDR_MISSING,
		    "The certificate carries no email address (no rfc822Name "
		    "in subjectAltName, no emailAddress in the subject), so no "
		    "client can match it to a sender or recipient.");
	}
	if (name_utf8(subj, cn, sizeof cn) != 0 || cn[0] == '\0')
		add(r, L_NAME_MISSING,
		    "The certificate has no common name, so clients show the "
		    "bare address (or nothing) instead of its owner's name.");
}

/* ---- the report ---- */

/* Errors first, then warnings, then notes; the order of checks otherwise. */
static void
sort_report(struct lint_report *r)
{
	for (size_t i = 1; i < r->n; i++) {
		struct lint_finding f = r->f[i];
		size_t j = i;

		for (; j > 0 && r->f[j - 1].sev < f.sev; j--)
			r->f[j] = r->f[j - 1];
		r->f[j] = f;
	}
}

void
lint_cert(struct x509_st *cert, struct evp_pkey_st *key, time_t now, struct lint_report *r)
{
	EVP_PKEY *pk;
	enum kind kind;

	r->n = 0;
	if (cert == NULL) {
		add(r, L_CERT_NONE,
		    "There is no certificate, so there is nothing a mail "
		    "client could use.");
		return;
	}
	/* OpenSSL queues errors for every part it cannot read; lint reports
	 * those as findings, so leave the caller's queue as it was. */
	ERR_set_mark();
	pk = X509_get0_pubkey(cert);
	check_ext_invalid(cert, r);
	kind = check_key(pk, r);
	check_issuer(cert, pk, check_sig_alg(cert, r), r);
	check_validity(cert, now, r);
	check_ku(cert, kind, r);
	check_eku(cert, r);
	check_bc(cert, r);
	check_addrs(cert, r);
	if (key != NULL && pk != NULL && EVP_PKEY_eq(pk, key) != 1)
		add(r, L_KEY_MISMATCH,
		    "The private key does not belong to this certificate, so "
		    "the pair looks installed but signing fails and mail "
		    "encrypted to the certificate cannot be opened.");
	ERR_pop_to_mark();
	sort_report(r);
}

void
lint_chain(struct x509_st *cert, struct x509_st *ca, time_t now, struct lint_report *r)
{
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(ca, NID_basic_constraints, NULL, NULL);
	ASN1_BIT_STRING *ku = X509_get_ext_d2i(ca, NID_key_usage, NULL, NULL);
	int has_nc = X509_get_ext_by_NID(ca, NID_name_constraints, -1) >= 0;
	char **emails;
	size_t n;

	(void)now;
	ERR_set_mark();
	if (bc == NULL || !bc->ca)
		add(r, L_CA_NOT_CA,
		    "The certificate that issued this one is not marked as a "
		    "certificate authority (CA:TRUE), so every client rejects the "
		    "chain.");
	else if (bc->pathlen == NULL)
		add(r, L_CA_NO_PATHLEN,
		    "The issuing CA sets no path length limit, so its key could "
		    "create further CAs; padseal's CA form says pathLen 0.");
	if (ku != NULL && !ASN1_BIT_STRING_get_bit(ku, 5))
		add(r, L_CA_NO_CERTSIGN,
		    "The issuing CA's key usage lacks keyCertSign, so NSS, "
		    "OpenSSL and gpgsm reject the certificates it issued.");
	if (!has_nc)
		add(r, L_CA_NO_NC,
		    "The issuing CA has no name constraints, so whoever trusts it "
		    "trusts it for every address, not only yours.");
	n = cert_emails(cert, &emails);
	for (size_t i = 0; i < n; i++) {
		if (cred_ca_permits(ca, emails[i]))
			continue;
		add(r, L_CA_NC_OUTSIDE,
		    "The address %.120s is outside the issuing CA's name "
		    "constraints, so clients that check them reject the "
		    "certificate.",
		    emails[i]);
		break;
	}
	cert_emails_free(emails, n);
	if (ASN1_TIME_compare(X509_get0_notAfter(cert), X509_get0_notAfter(ca)) > 0)
		add(r, L_CA_OUTLIVED,
		    "The certificate is valid beyond its CA's end date; from "
		    "then on clients reject it though it has not expired.");
	BASIC_CONSTRAINTS_free(bc);
	ASN1_BIT_STRING_free(ku);
	ERR_pop_to_mark();
	sort_report(r);
}

size_t
lint_count(const struct lint_report *r, enum lint_sev sev)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->f[i].sev == sev;
	return n;
}

int
lint_has(const struct lint_report *r, const char *code)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->f[i].code, code) == 0)
			return 1;
	return 0;
}

const char *
lint_sev_name(enum lint_sev sev)
{
	switch (sev) {
	case LINT_ERROR: return "error";
	case LINT_WARNING: return "warning";
	case LINT_INFO: return "info";
	}
	return "unknown";
}

int
lint_code_sev(const char *code)
{
	for (size_t i = 0; i < L_COUNT; i++)
		if (strcmp(defs[i].code, code) == 0)
			return (int)defs[i].sev;
	return -1;
}

int
lint_code_dated(const char *code)
{
	return strcmp(code, defs[L_EXPIRED].code) == 0 ||
	       strcmp(code, defs[L_NOT_YET_VALID].code) == 0 ||
	       strcmp(code, defs[L_EXPIRES_SOON].code) == 0;
}

void
lint_codes(const struct lint_report *r, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->n; i++) {
		size_t n = strlen(r->f[i].code);

		if (lint_code_dated(r->f[i].code) || used + n + 2 > len)
			continue;
		if (used)
			buf[used++] = ',';
		memcpy(buf + used, r->f[i].code, n + 1);
		used += n;
	}
}

void
lint_count_kept(const char *codes, time_t not_before, time_t not_after, time_t now,
		size_t counts[3])
{
	counts[0] = counts[1] = counts[2] = 0;
	for (const char *p = codes; p != NULL && *p;) {
		size_t n = strcspn(p, ",");

		for (size_t i = 0; i < L_COUNT; i++)
			if (strncmp(defs[i].code, p, n) == 0 && defs[i].code[n] == '\0') {
				counts[defs[i].sev]++;
				break;
			}
		p += n + (p[n] == ',');
	}
	if (not_after != (time_t)-1 && not_after < now)
		counts[defs[L_EXPIRED].sev]++;
	else if (not_after != (time_t)-1 && not_after - now < EXPIRES_SOON_DAYS * 86400L)
		counts[defs[L_EXPIRES_SOON].sev]++;
	if (not_before != (time_t)-1 && not_before > now)
		counts[defs[L_NOT_YET_VALID].sev]++;
}
