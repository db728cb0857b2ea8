#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fpr.h"

static const char hexdig[] = "0123456789ABCDEF";

#define FPR_GROUPS_PER_LINE 8

size_t
fpr_digest(X509 *cert, enum fpr_alg alg, unsigned char *out)
{
	const EVP_MD *md = alg == FPR_SHA1 ? EVP_sha1() : EVP_sha256();
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (cert == NULL || X509_digest(cert, md, buf, &n) != 1 || n > FPR_MAX) {
		ERR_clear_error();
		return 0;
	}
	memcpy(out, buf, n);
	return n;
}

void
fpr_colon(const unsigned char *d, size_t n, char *out)
{
	char *p = out;

	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ':';
		*p++ = hexdig[d[i] >> 4];
		*p++ = hexdig[d[i] & 0x0f];
	}
	*p = '\0';
}

void
fpr_hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[d[i] >> 4];
		out[2 * i + 1] = hexdig[d[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* Append `s` to out[*used..len), keeping room for the NUL.  Returns 0 when
 * the whole of `s` fitted. */
static int
put(char *out, size_t len, size_t *used, const char *s)
{
	size_t n = strlen(s);

	if (*used + n + 1 > len)
		return -1;
	memcpy(out + *used, s, n + 1);
	*used += n;
	return 0;
}

void
fpr_grouped(const unsigned char *d, size_t n, char *out, size_t len)
{
	char hex[FPR_HEX_LEN], item[32];
	size_t nhex, used = 0;

	if (len == 0)
		return;
	out[0] = '\0';
	if (n > FPR_MAX)
		n = FPR_MAX;
	fpr_hex(d, n, hex);
	nhex = 2 * n;
	for (size_t g = 0; g * FPR_GROUP_HEX < nhex; g++) {
		size_t off = g * FPR_GROUP_HEX;
		int w = (int)(nhex - off < FPR_GROUP_HEX ? nhex - off : FPR_GROUP_HEX);
		const char *sep = g == 0 ? "" : g % FPR_GROUPS_PER_LINE == 0 ? "\n" : "  ";

		snprintf(item, sizeof item, "%s%2zu %.*s", sep, g + 1, w, hex + off);
		if (put(out, len, &used, item) != 0)
			return;
	}
}

void
fpr_cert_colon(X509 *cert, char out[FPR_COLON_LEN])
{
	unsigned char d[FPR_MAX];

	fpr_colon(d, fpr_digest(cert, FPR_SHA256, d), out);
}

void
fpr_cert_hex(X509 *cert, char out[FPR_HEX_LEN])
{
	unsigned char d[FPR_MAX];

	fpr_hex(d, fpr_digest(cert, FPR_SHA256, d), out);
}

static int
hex_value(char c)
{
	const char *p = c != '\0' ? strchr(hexdig, c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c) : NULL;

	return p != NULL ? (int)(p - hexdig) : -1;
}

size_t
fpr_parse(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;

	while (*s != '\0') {
		int hi = hex_value(s[0]), lo = hi < 0 ? -1 : hex_value(s[1]);

		if (lo < 0 || n == max)
			return 0;
		out[n++] = (unsigned char)(hi << 4 | lo);
		s += 2;
		/* A colon only between pairs, never first, last or doubled. */
		if (*s == ':' && s[1] != '\0' && s[1] != ':')
			s++;
	}
	return n;
}

void
fpr_isn_of(const X509_NAME *issuer, const ASN1_INTEGER *serial, char out[FPR_ISN_LEN])
{
	unsigned char *name = NULL, *num = NULL, d[EVP_MAX_MD_SIZE];
	int nlen = i2d_X509_NAME(issuer, &name);
	int slen = i2d_ASN1_INTEGER(serial, &num);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;

	out[0] = '\0';
	if (ctx != NULL && nlen > 0 && slen > 0 &&
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, name, (size_t)nlen) == 1 &&
	    EVP_DigestUpdate(ctx, num, (size_t)slen) == 1 && EVP_DigestFinal_ex(ctx, d, &n) == 1 &&
	    n >= 8)
		fpr_hex(d, 8, out);
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(name);
	OPENSSL_free(num);
}

void
fpr_isn(X509 *cert, char out[FPR_ISN_LEN])
{
	fpr_isn_of(X509_get_issuer_name(cert), X509_get0_serialNumber(cert), out);
}
