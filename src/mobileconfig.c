/* mobileconfig — an Apple configuration profile (a plist, as Apple's
 * Device Management reference describes it) carrying the credential and
 * the correspondents' certificates to an iPhone, iPad or Mac. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "cred.h"
#include "install_int.h"
#include "xalloc.h"

/* The text being built; wiped when freed (it holds the .p12). */
struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
grow(struct buf *b, size_t need)
{
	char *n;
	size_t cap = b->cap ? b->cap : 4096;

	while (cap < b->len + need + 1)
		cap *= 2;
	if (cap == b->cap)
		return;
	n = xsecret_zalloc(cap);
	if (b->p != NULL) {
		memcpy(n, b->p, b->len);
		OPENSSL_clear_free(b->p, b->cap);
	}
	b->p = n;
	b->cap = cap;
}

static void
put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* A string for the plist: the five XML characters escaped. */
static void
put_str(struct buf *b, const char *key, const char *val)
{
	put(b, "\t<key>%s</key>\n\t<string>", key);
	for (const char *p = val; *p; p++) {
		switch (*p) {
		case '&': put(b, "&amp;"); break;
		case '<': put(b, "&lt;"); break;
		case '>': put(b, "&gt;"); break;
		case '"': put(b, "&quot;"); break;
		case '\'': put(b, "&apos;"); break;
		default:
			if ((unsigned char)*p >= 0x20 || *p == '\t')
				put(b, "%c", *p);
		}
	}
	put(b, "</string>\n");
}

static void
put_data(struct buf *b, const char *key, const unsigned char *data, size_t len)
{
	unsigned char line[65];

	put(b, "\t<key>%s</key>\n\t<data>\n", key);
	for (size_t i = 0; i < len; i += 48) {
		size_t n = len - i < 48 ? len - i : 48;

		EVP_EncodeBlock(line, data + i, (int)n);
		put(b, "\t%s\n", line);
	}
	OPENSSL_cleanse(line, sizeof line);
	put(b, "\t</data>\n");
}

/* A name-based UUID (RFC 4122 version 5) under padseal's namespace: the
 * same name gives the same UUID on every run. */
static void
uuid_of(const char *name, char out[37])
{
	static const unsigned char ns[16] = {0x6b, 0x1f, 0x3c, 0x2e, 0x8a, 0x4d, 0x4e, 0x7f,
					     0x9b, 0x0c, 0x1d, 0x2e, 0x3f, 0x40, 0x51, 0x62};
	unsigned char d[SHA_DIGEST_LENGTH];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	char *o = out;

	xcheck(c);
	EVP_DigestInit_ex(c, EVP_sha1(), NULL);
	EVP_DigestUpdate(c, ns, sizeof ns);
	EVP_DigestUpdate(c, name, strlen(name));
	EVP_DigestFinal_ex(c, d, NULL);
	EVP_MD_CTX_free(c);
	d[6] = (unsigned char)((d[6] & 0x0f) | 0x50);
	d[8] = (unsigned char)((d[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		o += sprintf(o, "%02X", d[i]);
	}
}

void
install_profile_id(const char *hex, char *buf, size_t len)
{
	char lower[17];
	size_t i;

	for (i = 0; i < 16 && hex[i]; i++)
		lower[i] = (char)tolower((unsigned char)hex[i]);
	lower[i] = '\0';
	snprintf(buf, len, "org.padseal.smime.%s", lower);
}

/* The keys every payload has. */
static void
payload_head(struct buf *b, const char *type, const char *id, const char *uuid_name,
	     const char *display)
{
	char uuid[37];

	uuid_of(uuid_name, uuid);
	put(b, "\t<dict>\n");
	put_str(b, "PayloadType", type);
	put(b, "\t<key>PayloadVersion</key>\n\t<integer>1</integer>\n");
	put_str(b, "PayloadIdentifier", id);
	put_str(b, "PayloadUUID", uuid);
	put_str(b, "PayloadDisplayName", display);
}

static void
cert_payload(struct buf *b, X509 *cert, const char *pid, const char *what, const char *tag,
	     const char *display, const char *file)
{
	char hex[FPR_HEX_LEN], id[300], uuid_name[400];
	unsigned char *der;
	size_t len;

	fpr_cert_hex(cert, hex);
	for (char *h = hex; *h; h++)
		*h = (char)tolower((unsigned char)*h);
	snprintf(id, sizeof id, "%s.%s.%.16s", pid, what, hex);
	snprintf(uuid_name, sizeof uuid_name, "%s:%s", id, tag);
	payload_head(b,
		     install_cert_is_root(cert) ? "com.apple.security.root" :
						  "com.apple.security.pkcs1",
		     id, uuid_name, display);
	put_str(b, "PayloadCertificateFileName", file);
	der = cert_to_der(cert, &len);
	put_data(b, "PayloadContent", der, len);
	free(der);
	put(b, "\t</dict>\n");
}

int
install_mobileconfig(const struct install_in *in, char **out, size_t *len, struct err *e)
{
	struct buf b = {0};
	char pid[200], id[300], text[600], file[200], uuid_name[400];

	(void)e;
	install_profile_id(in->hex, pid, sizeof pid);
	put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
		"\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
		"<plist version=\"1.0\">\n<dict>\n\t<key>PayloadContent</key>\n\t<array>\n");

	/* The identity: the .p12 without its password (the device asks). */
	snprintf(id, sizeof id, "%s.identity", pid);
	snprintf(uuid_name, sizeof uuid_name, "%s:%s", id, in->hex);
	snprintf(text, sizeof text, "%s <%s>", in->name, in->addr);
	payload_head(&b, "com.apple.security.pkcs12", id, uuid_name, text);
	snprintf(file, sizeof file, "%s.p12", in->addr);
	put_str(&b, "PayloadCertificateFileName", file);
	put_str(&b, "PayloadDescription",
		"Your S/MIME certificate and key, for signing and reading encrypted mail");
	put_data(&b, "PayloadContent", in->p12, in->p12_len);
	put(&b, "\t</dict>\n");

	for (int i = 0; in->chain != NULL && i < sk_X509_num(in->chain); i++)
		cert_payload(&b, sk_X509_value(in->chain, i), pid, "ca", "ca",
			     "The certificate authority of your certificate", "your-ca.cer");
	for (size_t i = 0; i < in->n_peers; i++) {
		const struct install_peer *p = &in->peers[i];

		snprintf(text, sizeof text, "%s%s<%s>", p->name, *p->name ? " " : "", p->addr);
		snprintf(file, sizeof file, "%s.cer", p->addr);
		cert_payload(&b, p->cert, pid, "peer", "peer", text, file);
		if (p->ca == NULL)
			continue;
		snprintf(text, sizeof text, "The certificate authority of %s%s<%s>", p->name,
			 *p->name ? " " : "", p->addr);
		snprintf(file, sizeof file, "%s-ca.cer", p->addr);
		cert_payload(&b, p->ca, pid, "peer-ca", "peer-ca", text, file);
	}

	put(&b, "\t</array>\n");
	snprintf(text, sizeof text, "S/MIME for %s <%s> (padseal)", in->name, in->addr);
	put_str(&b, "PayloadDisplayName", text);
	put_str(&b, "PayloadDescription",
		"Your S/MIME credential and the certificates of the correspondents you trust in padseal. Installing a newer profile from padseal replaces this one.");
	put_str(&b, "PayloadIdentifier", pid);
	put_str(&b, "PayloadOrganization", "padseal");
	put(&b, "\t<key>PayloadRemovalDisallowed</key>\n\t<false/>\n");
	put_str(&b, "PayloadType", "Configuration");
	snprintf(uuid_name, sizeof uuid_name, "%s:profile", pid);
	uuid_of(uuid_name, file);
	put_str(&b, "PayloadUUID", file);
	put(&b, "\t<key>PayloadVersion</key>\n\t<integer>1</integer>\n</dict>\n</plist>\n");
	/* Hand over a malloc'd copy; the set wipes it when freed. */
	*out = xmemdup(b.p, b.len + 1);
	*len = b.len;
	OPENSSL_clear_free(b.p, b.cap);
	return 0;
}
