/* fpr — certificate fingerprints in the forms people compare. */
#ifndef PADSEAL_FPR_H
#define PADSEAL_FPR_H

#include <stddef.h>

/* OpenSSL's X509, declared so that front ends need not include OpenSSL. */
struct x509_st;

enum fpr_alg { FPR_SHA256, FPR_SHA1 };

#define FPR_MAX         32            /* bytes */
#define FPR_COLON_LEN   (FPR_MAX * 3) /* "AB:CD:..." incl. NUL */
#define FPR_HEX_LEN     (FPR_MAX * 2 + 1)
#define FPR_GROUP_HEX   4 /* hex digits per spoken group */
#define FPR_GROUPED_LEN 256

/* Digest of the DER certificate into out[FPR_MAX]; returns the byte count
 * (32 or 20), or 0 when the certificate cannot be encoded (out untouched). */
size_t fpr_digest(struct x509_st *cert, enum fpr_alg alg, unsigned char *out);

/* "AB:CD:..." exactly as `openssl x509 -noout -fingerprint` prints it after
 * the "=": upper-case hex pairs joined by ':'.  `out` holds 3 * n bytes
 * and at least 1 (FPR_COLON_LEN is enough for any digest); n == 0 gives "". */
void fpr_colon(const unsigned char *d, size_t n, char *out);
/* "ABCD..." upper-case hex; `out` holds 2 * n + 1 bytes (FPR_HEX_LEN). */
void fpr_hex(const unsigned char *d, size_t n, char *out);
/* Numbered groups for reading aloud.  The upper-case hex is cut into groups
 * of FPR_GROUP_HEX digits (the last one shorter when the hex does not divide
 * evenly), numbered from 1.  Each group is its number right-aligned in two
 * columns, a space and the digits (7 columns); groups on a line are
 * separated by two spaces, so group k of every line starts at column 9 * k;
 * 8 to a line, lines separated by "\n", no final newline and no trailing
 * spaces.  A full line is 70 columns.  SHA-256 (16 groups):
 *
 *   " 1 9781   2 501A   3 8BA6   4 47BA   5 2CE4   6 5E2F   7 471F   8 1CB6\n"
 *   " 9 3EAB  10 F7D1  11 35EA  12 C347  13 2E5E  14 4206  15 2A6C  16 E8F1"
 *
 * SHA-1 (10 groups) is a full line and a line of groups 9 and 10.  `len` is
 * the size of `out`; FPR_GROUPED_LEN is enough for any digest (n <= FPR_MAX;
 * more is cut to FPR_MAX).  When `out` is too small the text stops after the
 * last whole group that fits; it is always NUL-terminated (len > 0). */
void fpr_grouped(const unsigned char *d, size_t n, char *out, size_t len);

/* Convenience: the SHA-256 colon / hex form of a certificate; "" when the
 * certificate cannot be encoded. */
void fpr_cert_colon(struct x509_st *cert, char out[FPR_COLON_LEN]);
void fpr_cert_hex(struct x509_st *cert, char out[FPR_HEX_LEN]);

/* The issuer-and-serial key of a certificate: the first 16 hex digits of
 * the SHA-256 of its issuer name (DER) followed by its serial number (DER),
 * what a signature or an envelope names a certificate by.  fpr_isn_of
 * computes it from the two as a message gives them (X509_NAME,
 * ASN1_INTEGER).  `out` holds 17 bytes; "" when they cannot be encoded. */
#define FPR_ISN_LEN 17
struct X509_name_st;
struct asn1_string_st;
void fpr_isn(struct x509_st *cert, char out[FPR_ISN_LEN]);
void fpr_isn_of(const struct X509_name_st *issuer, const struct asn1_string_st *serial,
		char out[FPR_ISN_LEN]);

/* The bytes of a fingerprint written in hex, with or without ':' between
 * the pairs ("AB:CD:..." or "ABCD..."), into out[max]: what the home's
 * records hold, back as the digest compare_group takes.  Returns the byte
 * count, or 0 when `s` is not such a text (odd digits, other characters,
 * more than `max` bytes). */
size_t fpr_parse(const char *s, unsigned char *out, size_t max);

#endif
