/* mimeout — writing MIME as padseal sends it (see mimeout.h). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mimeout.h"
#include "xalloc.h"

#define HDR_COLS     76                         /* fold header lines before this column */
#define QP_TEXT_COLS 75                         /* quoted-printable text per line, before "=" */
#define B64_IN       (MIMEOUT_B64_COLS / 4 * 3) /* 57 bytes make one line */
#define READ_BLOCK   65536
#define QP_OUT_BUF   16384
#define BIO_TYPE_B76 (255 | BIO_TYPE_FILTER) /* not in OpenSSL's range */

/* --- writing ---------------------------------------------------------- */

int
mimeout_put(BIO *b, const void *p, size_t n, struct err *e)
{
	while (n > 0) {
		int w = BIO_write(b, p, n > INT_MAX ? INT_MAX : (int)n);

		if (w <= 0)
			return err_ossl(e, "could not write the message");
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

int
mimeout_puts(BIO *b, const char *s, struct err *e)
{
	return mimeout_put(b, s, strlen(s), e);
}

/* "Name: value" folded at spaces so that lines stay within HDR_COLS
 * (a single word longer than that stays whole). */
int
mimeout_header(BIO *b, const char *name, const char *value, struct err *e)
{
	size_t col = strlen(name) + 2;
	const char *p = value;

	if (mimeout_puts(b, name, e) != 0 || mimeout_puts(b, ": ", e) != 0)
		return -1;
	while (*p) {
		size_t len = 1 + strcspn(p + 1, " ");

		if (p != value && *p == ' ' && col + len > HDR_COLS) {
			if (mimeout_puts(b, "\r\n", e) != 0)
				return -1;
			col = 0;
		}
		if (mimeout_put(b, p, len, e) != 0)
			return -1;
		col += len;
		p += len;
	}
	return mimeout_puts(b, "\r\n", e);
}

/* --- header values ---------------------------------------------------- */

static int
is_printable_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* A copy of `s` with control characters as spaces and the ends trimmed. */
static char *
clean_text(const char *s)
{
	char *c = xstrdup(s ? s : ""), *p, *end;

	for (p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = ' ';
	for (p = c; *p == ' '; p++)
		;
	memmove(c, p, strlen(p) + 1);
	for (end = c + strlen(c); end > c && end[-1] == ' '; end--)
		end[-1] = '\0';
	return c;
}

/* RFC 2047 "B" encoded words for UTF-8 text, separated by spaces (where
 * mimeout_header() may fold).  Each word holds at most 39 bytes (52 base64
 * characters, 64 in all, so "Subject: " and a word fit in 76 columns) and
 * never splits a UTF-8 sequence. */
static char *
encoded_words(const char *s)
{
	size_t n = strlen(s), cap = n * 2 + (n / 39 + 1) * 14 + 8, used = 0;
	char *out = xmalloc(cap);

	while (*s) {
		size_t take = strlen(s) < 39 ? strlen(s) : 39;

		while (take > 1 && ((unsigned char)s[take] & 0xc0) == 0x80)
			take--; /* do not cut a character */
		used += (size_t)snprintf(out + used, cap - used, "%s=?UTF-8?B?", used ? " " : "");
		used += (size_t)EVP_EncodeBlock((unsigned char *)out + used,
						(const unsigned char *)s, (int)take);
		used += (size_t)snprintf(out + used, cap - used, "?=");
		s += take;
	}
	out[used] = '\0';
	return out;
}

/* Unstructured text (Subject): as is when printable ASCII, else encoded. */
char *
mimeout_text(const char *s)
{
	char *c = clean_text(s), *r;

	if (is_printable_ascii(c))
		return c;
	r = encoded_words(c);
	free(c);
	return r;
}

char *
mimeout_mailbox(const char *name, const char *addr)
{
	char *c = clean_text(name), *r, *q;
	size_t len;

	if (*c == '\0') {
		free(c);
		return xstrdup(addr);
	}
	if (!is_printable_ascii(c)) {
		q = encoded_words(c);
		r = xasprintf("%s <%s>", q, addr);
		free(q);
		free(c);
		return r;
	}
	/* A quoted-string: backslash before " and \. */
	len = strlen(c);
	q = xmalloc(len * 2 + 1);
	r = q;
	for (const char *p = c; *p; p++) {
		if (*p == '"' || *p == '\\')
			*r++ = '\\';
		*r++ = *p;
	}
	*r = '\0';
	r = xasprintf("\"%s\" <%s>", q, addr);
	free(q);
	free(c);
	return r;
}

void
mimeout_date(time_t t, char buf[40])
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* `n` random bytes as lower-case hex into out[2n+1]. */
int
mimeout_random_hex(char *out, size_t n, struct err *e)
{
	unsigned char r[32];

	if (n > sizeof r || RAND_bytes(r, (int)n) != 1)
		return err_ossl(e, "the random number generator failed");
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return 0;
}

/* A boundary no encoded content can contain: "=_" never occurs in
 * quoted-printable or base64. */
int
mimeout_boundary(char out[48], struct err *e)
{
	char hex[33];

	if (mimeout_random_hex(hex, 12, e) != 0)
		return -1;
	snprintf(out, 48, "=_padseal_%s", hex);
	return 0;
}

/* --- quoted-printable, streaming -------------------------------------- */

struct qp {
	BIO *out;
	char line[QP_TEXT_COLS + 8]; /* the output line being built */
	size_t n;
	int cr;  /* the last input byte was CR */
	int bol; /* the output so far ends a line */
	unsigned char buf[QP_OUT_BUF];
	size_t used;
};

static int
qp_emit(struct qp *q, const char *s, size_t n, struct err *e)
{
	if (q->used + n > sizeof q->buf) {
		if (mimeout_put(q->out, q->buf, q->used, e) != 0)
			return -1;
		q->used = 0;
	}
	memcpy(q->buf + q->used, s, n);
	q->used += n;
	return 0;
}

/* Append one encoded character (1 or 3 bytes), breaking the line softly
 * when it would grow too long.  A line that starts "From " gets its F
 * encoded, so mbox stores cannot add ">" and break a signature. */
static int
qp_token(struct qp *q, const char *tok, size_t len, struct err *e)
{
	if (q->n + len > QP_TEXT_COLS) {
		if (qp_emit(q, q->line, q->n, e) != 0 || qp_emit(q, "=\r\n", 3, e) != 0)
			return -1;
		q->n = 0;
	}
	memcpy(q->line + q->n, tok, len);
	q->n += len;
	if (q->n == 5 && memcmp(q->line, "From ", 5) == 0) {
		memcpy(q->line, "=46rom ", 7);
		q->n = 7;
	}
	q->bol = 0;
	return 0;
}

/* A hard line end: trailing white space must be encoded to survive. */
static int
qp_eol(struct qp *q, struct err *e)
{
	if (q->n > 0 && (q->line[q->n - 1] == ' ' || q->line[q->n - 1] == '\t')) {
		const char *tok = q->line[q->n - 1] == ' ' ? "=20" : "=09";

		q->n--;
		if (qp_token(q, tok, 3, e) != 0)
			return -1;
	}
	if (qp_emit(q, q->line, q->n, e) != 0 || qp_emit(q, "\r\n", 2, e) != 0)
		return -1;
	q->n = 0;
	q->bol = 1;
	return 0;
}

/* Characters that stand for themselves (printable ASCII but "=", and the
 * blanks, whose trailing position qp_eol handles). */
static int
qp_literal(unsigned char c)
{
	/* bit c of the table: 9, 32, 33..126 except 61 */
	static const unsigned long long lit[4] = {
		0xdfffffff00000200ull,
		0x7fffffffffffffffull,
		0,
		0,
	};

	return (int)((lit[c >> 6] >> (c & 63)) & 1);
}

/* A run of literal characters, copied a line's worth at a time: the fast
 * path for ordinary text.  The first columns go one by one, for the
 * "From " check. */
static int
qp_run(struct qp *q, const unsigned char *p, size_t n, struct err *e)
{
	while (n > 0) {
		size_t take;

		if (q->n < 5 || q->n == QP_TEXT_COLS) {
			if (qp_token(q, (const char *)p, 1, e) != 0)
				return -1;
			p++;
			n--;
			continue;
		}
		take = QP_TEXT_COLS - q->n < n ? QP_TEXT_COLS - q->n : n;
		memcpy(q->line + q->n, p, take);
		q->n += take;
		p += take;
		n -= take;
	}
	return 0;
}

static int
qp_feed(struct qp *q, const unsigned char *p, size_t n, struct err *e)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		char tok[3];
		size_t run;
		int rc;

		if (q->cr) {
			q->cr = 0;
			if (c == '\n') {
				i++;
				continue; /* the CR ended the line already */
			}
		}
		if (c == '\r' || c == '\n') {
			q->cr = c == '\r';
			rc = qp_eol(q, e);
			i++;
		} else if (qp_literal(c)) {
			for (run = 1; i + run < n && qp_literal(p[i + run]); run++)
				;
			rc = qp_run(q, p + i, run, e);
			i += run;
		} else {
			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
			rc = qp_token(q, tok, 3, e);
			i++;
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int
qp_end(struct qp *q, struct err *e)
{
	if (q->n > 0) {
		if (q->line[q->n - 1] == ' ' || q->line[q->n - 1] == '\t') {
			const char *tok = q->line[q->n - 1] == ' ' ? "=20" : "=09";

			q->n--;
			if (qp_token(q, tok, 3, e) != 0)
				return -1;
		}
		if (qp_emit(q, q->line, q->n, e) != 0)
			return -1;
		q->n = 0;
	}
	if (q->used && mimeout_put(q->out, q->buf, q->used, e) != 0)
		return -1;
	q->used = 0;
	return 0;
}

/* The text entity: its header fields, a blank line, the text in
 * quoted-printable.  *bol tells whether it ended with a line end. */
int
mimeout_text_entity(BIO *body, BIO *dst, int *bol, struct err *e)
{
	struct qp *q = xcalloc(1, sizeof *q);
	unsigned char *blk = xmalloc(READ_BLOCK);
	int rc = -1, got;

	q->out = dst;
	q->bol = 1;
	if (mimeout_puts(dst,
			 "Content-Type: text/plain; charset=utf-8\r\n"
			 "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
			 e) != 0)
		goto out;
	while ((got = BIO_read(body, blk, READ_BLOCK)) > 0)
		if (qp_feed(q, blk, (size_t)got, e) != 0)
			goto out;
	if (got < 0 && !BIO_eof(body)) {
		err_ossl(e, "could not read the text of the message");
		goto out;
	}
	if (qp_end(q, e) != 0)
		goto out;
	if (bol != NULL)
		*bol = q->bol;
	rc = 0;
out:
	free(blk);
	free(q); /* held only the (already sent) text */
	return rc;
}

/* --- base64 ------------------------------------------------------------ */

/* Base64 of a buffer in lines of MIMEOUT_B64_COLS, each ending CRLF. */
int
mimeout_b64_lines(BIO *dst, const unsigned char *p, size_t n, struct err *e)
{
	unsigned char line[MIMEOUT_B64_COLS + 4];

	while (n > 0) {
		size_t take = n < B64_IN ? n : B64_IN;
		int len = EVP_EncodeBlock(line, p, (int)take);

		line[len] = '\r';
		line[len + 1] = '\n';
		if (mimeout_put(dst, line, (size_t)len + 2, e) != 0)
			return -1;
		p += take;
		n -= take;
	}
	return 0;
}

/* The streaming form: a filter BIO that base64-encodes what is written
 * through it in lines of 76 and, on flush, the rest. */
struct b76 {
	unsigned char in[B64_IN];
	size_t n;
};

static int
b76_out(BIO *next, const unsigned char *p, size_t n)
{
	while (n > 0) {
		int w = BIO_write(next, p, n > INT_MAX ? INT_MAX : (int)n);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Encode one line's worth (at most B64_IN bytes) onto out. */
static size_t
b76_line(unsigned char *out, const unsigned char *in, size_t n)
{
	int len = EVP_EncodeBlock(out, in, (int)n);

	out[len] = '\r';
	out[len + 1] = '\n';
	return (size_t)len + 2;
}

static int
b76_write(BIO *b, const char *data, int len)
{
	struct b76 *s = BIO_get_data(b);
	unsigned char out[(MIMEOUT_B64_COLS + 2) * 64];
	size_t o = 0, done = 0;

	if (s == NULL || BIO_next(b) == NULL || len < 0)
		return -1;
	while (done < (size_t)len) {
		size_t take = B64_IN - s->n;

		if (take > (size_t)len - done)
			take = (size_t)len - done;
		memcpy(s->in + s->n, data + done, take);
		s->n += take;
		done += take;
		if (s->n < B64_IN)
			break;
		o += b76_line(out + o, s->in, B64_IN);
		s->n = 0;
		if (o + MIMEOUT_B64_COLS + 2 > sizeof out) {
			if (b76_out(BIO_next(b), out, o) != 0)
				return -1;
			o = 0;
		}
	}
	if (o && b76_out(BIO_next(b), out, o) != 0)
		return -1;
	return len;
}

static long
b76_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct b76 *s = BIO_get_data(b);
	BIO *next = BIO_next(b);

	if (next == NULL)
		return 0;
	if (cmd == BIO_CTRL_FLUSH && s != NULL && s->n > 0) {
		unsigned char out[MIMEOUT_B64_COLS + 4];
		size_t o = b76_line(out, s->in, s->n);

		s->n = 0;
		if (b76_out(next, out, o) != 0)
			return 0;
	}
	return BIO_ctrl(next, cmd, num, ptr);
}

static int
b76_create(BIO *b)
{
	struct b76 *s = xcalloc(1, sizeof *s);

	BIO_set_data(b, s);
	BIO_set_init(b, 1);
	return 1;
}

static int
b76_destroy(BIO *b)
{
	free(BIO_get_data(b));
	BIO_set_data(b, NULL);
	return 1;
}

/* The method lives as long as one envelope: no global state. */
BIO_METHOD *
mimeout_b64_method(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_TYPE_B76, "base64, 76 columns, CRLF");

	if (m == NULL || !BIO_meth_set_write(m, b76_write) || !BIO_meth_set_ctrl(m, b76_ctrl) ||
	    !BIO_meth_set_create(m, b76_create) || !BIO_meth_set_destroy(m, b76_destroy)) {
		BIO_meth_free(m);
		return NULL;
	}
	return m;
}
