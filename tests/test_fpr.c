#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certfactory.h"
#include "fpr.h"
#include "testutil.h"

#define SMIME1_SHA256                                                        \
	"97:81:50:1A:8B:A6:47:BA:2C:E4:5E:2F:47:1F:1C:B6:3E:AB:F7:D1:35:EA:" \
	"C3:47:2E:5E:42:06:2A:6C:E8:F1"

/* What `openssl x509 -noout -fingerprint -<alg>` prints after the "=". */
static void
openssl_fpr(const char *pem, const char *alg, char *out, size_t len)
{
	char cmd[4200], line[512], *eq;
	FILE *p;

	cr_assert_null(strchr(pem, '\''));
	snprintf(cmd, sizeof cmd, "openssl x509 -noout -fingerprint -%s -in '%s'", alg, pem);
	cr_assert_not_null(p = popen(cmd, "r"), "cannot run %s", cmd);
	cr_assert_not_null(fgets(line, sizeof line, p), "no output: %s", cmd);
	cr_assert_eq(pclose(p), 0, "%s failed", cmd);
	line[strcspn(line, "\n")] = '\0';
	cr_assert_not_null(eq = strchr(line, '='), "odd output: %s", line);
	snprintf(out, len, "%s", eq + 1);
}

static X509 *
read_pem(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x;

	cr_assert_not_null(b, "cannot open %s", path);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	cr_assert_not_null(x, "no certificate in %s", path);
	BIO_free(b);
	return x;
}

/* fpr_colon of both digests is byte-identical to the openssl command. */
static void
assert_like_openssl(X509 *cert, const char *pem)
{
	unsigned char d[FPR_MAX];
	char ours[FPR_COLON_LEN], theirs[512];

	cr_assert_eq(fpr_digest(cert, FPR_SHA256, d), 32);
	fpr_colon(d, 32, ours);
	openssl_fpr(pem, "sha256", theirs, sizeof theirs);
	cr_assert_str_eq(ours, theirs);
	cr_assert_eq(strlen(ours), FPR_COLON_LEN - 1);

	cr_assert_eq(fpr_digest(cert, FPR_SHA1, d), 20);
	fpr_colon(d, 20, ours);
	openssl_fpr(pem, "sha1", theirs, sizeof theirs);
	cr_assert_str_eq(ours, theirs);
}

Test(fpr, colon_matches_openssl_cli)
{
	static const struct cf_spec specs[] = {
		{.key = CF_RSA, .bits = 2048},
		{.key = CF_EC},
		{.key = CF_EC, .curve = "P-384", .md = "SHA1"},
		{.key = CF_ED25519},
	};
	char *dir = tu_tmpdir(), pem[4096];

	snprintf(pem, sizeof pem, "%s/cert.pem", dir);
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		X509 *cert = cf_cert(&specs[i], time(NULL), NULL);

		cf_write_pem(cert, pem);
		assert_like_openssl(cert, pem);
		X509_free(cert);
	}
	tu_rmtree(dir);
	free(dir);
}

Test(fpr, corpus_smime1)
{
	char path[4096], colon[FPR_COLON_LEN], hex[FPR_HEX_LEN];
	const char *c = tu_corpus();
	X509 *cert;

	snprintf(path, sizeof path, "%s/hiraoka-smime_mail_samples/certs/smime-1.crt", c);
	cert = read_pem(path);
	fpr_cert_colon(cert, colon);
	cr_assert_str_eq(colon, SMIME1_SHA256);
	fpr_cert_hex(cert, hex);
	cr_assert_str_eq(hex, "9781501A8BA647BA2CE45E2F471F1CB63EABF7D135EAC3"
			      "472E5E42062A6CE8F1");
	assert_like_openssl(cert, path);
	X509_free(cert);

	snprintf(path, sizeof path, "%s/hiraoka-smime_mail_samples/certs/ca_smime.crt", c);
	cert = read_pem(path);
	fpr_cert_colon(cert, colon);
	cr_assert_str_eq(colon, "C6:2C:0F:42:CE:08:7B:FE:6F:9C:B4:E9:17:3B:66:"
				"58:D2:F2:2E:A1:F1:BA:92:77:14:43:40:16:F8:DE:"
				"25:F8");
	assert_like_openssl(cert, path);
	X509_free(cert);
}

Test(fpr, grouped_smime1_exact)
{
	static const unsigned char d[32] = {
		0x97, 0x81, 0x50, 0x1A, 0x8B, 0xA6, 0x47, 0xBA, 0x2C, 0xE4, 0x5E,
		0x2F, 0x47, 0x1F, 0x1C, 0xB6, 0x3E, 0xAB, 0xF7, 0xD1, 0x35, 0xEA,
		0xC3, 0x47, 0x2E, 0x5E, 0x42, 0x06, 0x2A, 0x6C, 0xE8, 0xF1,
	};
	char g[FPR_GROUPED_LEN], colon[FPR_COLON_LEN];

	fpr_colon(d, sizeof d, colon);
	cr_assert_str_eq(colon, SMIME1_SHA256);
	fpr_grouped(d, sizeof d, g, sizeof g);
	cr_assert_str_eq(g, " 1 9781   2 501A   3 8BA6   4 47BA   5 2CE4   6 "
			    "5E2F   7 471F   8 1CB6\n"
			    " 9 3EAB  10 F7D1  11 35EA  12 C347  13 2E5E  14 "
			    "4206  15 2A6C  16 E8F1");
}

/* The layout promised in fpr.h, for any digest: lines of at most 80
 * columns without trailing spaces, no final newline, 8 groups a line,
 * numbers 1.. in a 2-column field, groups in the same columns on every
 * line, and the groups joined give back the hex. */
static void
assert_layout(const unsigned char *d, size_t n, size_t want_groups)
{
	char g[FPR_GROUPED_LEN], hex[FPR_HEX_LEN], joined[FPR_HEX_LEN] = "";
	size_t groups = 0, lines = 0;

	fpr_hex(d, n, hex);
	fpr_grouped(d, n, g, sizeof g);
	cr_assert_neq(g[strlen(g) - 1], '\n');
	for (char *line = g; line != NULL; lines++) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		cr_assert_leq(len, 80, "line %zu is %zu wide", lines + 1, len);
		cr_assert_neq(line[len - 1], ' ', "trailing space");
		for (size_t col = 0; col < len; col += 9, groups++) {
			char num[3] = {line[col], line[col + 1], '\0'};

			cr_assert_eq((size_t)atoi(num), groups + 1, "%s", g);
			cr_assert_eq(groups % 8, col / 9, "group not aligned");
			cr_assert_eq(line[col + 2], ' ');
			strncat(joined, line + col + 3,
				len - col - 3 < FPR_GROUP_HEX ? len - col - 3 : FPR_GROUP_HEX);
			if (col + 7 < len)
				cr_assert_eq(strncmp(line + col + 7, "  ", 2), 0);
		}
		line = nl ? nl + 1 : NULL;
	}
	cr_assert_eq(groups, want_groups, "%s", g);
	cr_assert_eq(lines, (want_groups + 7) / 8);
	cr_assert_str_eq(joined, hex);
}

Test(fpr, grouped_layout)
{
	X509 *cert = cf_cert(&(struct cf_spec){.key = CF_EC}, time(NULL), NULL);
	unsigned char d[FPR_MAX];
	static const unsigned char odd[3] = {0xAA, 0xBB, 0xCC};
	char g[FPR_GROUPED_LEN];

	cr_assert_eq(fpr_digest(cert, FPR_SHA256, d), 32);
	assert_layout(d, 32, 16);
	cr_assert_eq(fpr_digest(cert, FPR_SHA1, d), 20);
	assert_layout(d, 20, 10);
	assert_layout(odd, 3, 2);
	fpr_grouped(odd, 3, g, sizeof g);
	cr_assert_str_eq(g, " 1 AABB   2 CC");
	X509_free(cert);
}

/* A short buffer gets whole groups only, always terminated. */
Test(fpr, grouped_short_buffer)
{
	static const unsigned char d[20] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB};
	char g[FPR_GROUPED_LEN];

	memset(g, 'x', sizeof g);
	fpr_grouped(d, sizeof d, g, 12);
	cr_assert_str_eq(g, " 1 0123");
	cr_assert_eq(g[12], 'x', "wrote past len");
	fpr_grouped(d, sizeof d, g, 1);
	cr_assert_str_eq(g, "");
	g[0] = 'x';
	fpr_grouped(d, sizeof d, g, 0);
	cr_assert_eq(g[0], 'x');
	fpr_grouped(d, 0, g, sizeof g);
	cr_assert_str_eq(g, "");
}

Test(fpr, edge_cases)
{
	unsigned char d[FPR_MAX] = {0};
	char colon[FPR_COLON_LEN] = "x", hex[FPR_HEX_LEN] = "x";
	static const unsigned char one[1] = {0x0F};

	fpr_colon(d, 0, colon);
	cr_assert_str_eq(colon, "");
	fpr_hex(d, 0, hex);
	cr_assert_str_eq(hex, "");
	fpr_colon(one, 1, colon);
	cr_assert_str_eq(colon, "0F");
	cr_assert_eq(fpr_digest(NULL, FPR_SHA256, d), 0);
	fpr_cert_colon(NULL, colon);
	cr_assert_str_eq(colon, "");
	fpr_cert_hex(NULL, hex);
	cr_assert_str_eq(hex, "");
}

/* fpr_parse: the forms the home's records hold, back to bytes; anything
 * else is 0, never a partial digest. */
Test(fpr, parse_round_trip)
{
	unsigned char d[FPR_MAX], back[FPR_MAX];
	char colon[FPR_COLON_LEN], hex[FPR_HEX_LEN];

	for (size_t i = 0; i < sizeof d; i++)
		d[i] = (unsigned char)(i * 37 + 11);
	fpr_colon(d, 32, colon);
	fpr_hex(d, 20, hex);
	cr_assert_eq(fpr_parse(colon, back, sizeof back), 32);
	cr_assert_arr_eq(back, d, 32);
	cr_assert_eq(fpr_parse(hex, back, sizeof back), 20);
	cr_assert_arr_eq(back, d, 20);
	cr_assert_eq(fpr_parse("ab:cD", back, sizeof back), 2);
	cr_assert_eq(back[0], 0xAB);
	cr_assert_eq(back[1], 0xCD);
}

Test(fpr, parse_refuses)
{
	unsigned char back[FPR_MAX];
	char long_hex[2 * FPR_MAX + 3];

	memset(long_hex, 'A', sizeof long_hex - 1);
	long_hex[sizeof long_hex - 1] = '\0';
	cr_assert_eq(fpr_parse("", back, sizeof back), 0);
	cr_assert_eq(fpr_parse("ABC", back, sizeof back), 0, "odd digits");
	cr_assert_eq(fpr_parse("AB:", back, sizeof back), 0, "colon last");
	cr_assert_eq(fpr_parse(":AB", back, sizeof back), 0, "colon first");
	cr_assert_eq(fpr_parse("AB::CD", back, sizeof back), 0, "two colons");
	cr_assert_eq(fpr_parse("AB CD", back, sizeof back), 0, "a space");
	cr_assert_eq(fpr_parse("GG", back, sizeof back), 0, "not hex");
	cr_assert_eq(fpr_parse(long_hex, back, sizeof back), 0, "too long");
	cr_assert_eq(fpr_parse("ABCD", back, 1), 0, "more than max");
}
