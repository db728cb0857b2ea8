/* mimeout — writing MIME as padseal sends it: header fields folded within
 * 76 columns, names and subjects as RFC 2047 encoded words when they are
 * not ASCII, the text as a text/plain entity in quoted-printable (encoded
 * as it streams), base64 in lines of 76 with CRLF (from memory, or as a
 * filter BIO for streams).  Every line ends CRLF and holds at most 76
 * characters.  The reading side is mime.h; this is only what smime.c
 * needs to compose. */
#ifndef PADSEAL_MIMEOUT_H
#define PADSEAL_MIMEOUT_H

#include <stddef.h>
#include <time.h>

#include <openssl/bio.h>

#include "err.h"

#define MIMEOUT_B64_COLS 76 /* base64 characters per line */

/* Write `n` bytes (or a string) to `b`; a failed write is an error. */
int mimeout_put(BIO *b, const void *p, size_t n, struct err *e);
int mimeout_puts(BIO *b, const char *s, struct err *e);

/* "Name: value" with CRLF, folded at spaces so that lines stay within 76
 * columns (a single word longer than that stays whole). */
int mimeout_header(BIO *b, const char *name, const char *value, struct err *e);

/* Unstructured header text (Subject): control characters become spaces;
 * as it is when printable ASCII, else RFC 2047 encoded words.  free(). */
char *mimeout_text(const char *s);

/* A mailbox as it goes into From or To: `"Alice Example"
 * <alice@example.org>`, encoded words for a name that is not ASCII, the
 * bare address without a name.  The address is not checked.  free(). */
char *mimeout_mailbox(const char *name, const char *addr);

/* An RFC 5322 date ("Tue, 01 Jul 2025 10:00:00 +0000"), always UTC. */
void mimeout_date(time_t t, char buf[40]);

/* `n` (at most 32) random bytes as lower-case hex into out[2n+1]. */
int mimeout_random_hex(char *out, size_t n, struct err *e);

/* A fresh multipart boundary that no encoded content can contain. */
int mimeout_boundary(char out[48], struct err *e);

/* The text entity: "Content-Type: text/plain; charset=utf-8", quoted-
 * printable, a blank line, then the text read from `body` (UTF-8; LF, CRLF
 * or CR line ends, all written CRLF) in blocks, so memory does not grow
 * with the text.  *bol (if not NULL) tells whether it ended a line. */
int mimeout_text_entity(BIO *body, BIO *dst, int *bol, struct err *e);

/* Base64 of a buffer in lines of 76, each ending CRLF. */
int mimeout_b64_lines(BIO *dst, const unsigned char *p, size_t n, struct err *e);

/* A filter BIO method: what is written through it leaves base64-encoded in
 * lines of 76 with CRLF; BIO_flush writes the last line and passes the
 * flush on.  Free the method (BIO_meth_free) after the BIOs made with it. */
BIO_METHOD *mimeout_b64_method(void);

#endif
