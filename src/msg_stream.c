/* msg_stream — a message read as it arrives, in bounded memory: the
 * common shapes of a large message (an envelope, a signature inside or
 * around it, text inside) go through stages that each hold a few buffers
 * (base64 decoding, the BER of the CMS structures, decryption, the digest
 * of the signed content, the text), so that neither the message nor its
 * plaintext is ever held whole.  What only the end of the input decides
 * (the padding of the last block, the signature, which comes after the
 * content) is known before anything is shown: the text is kept, beyond
 * MSG_TEXT_HELD bytes in a temporary file encrypted with a key that only
 * this process holds, until the report is complete.  Any other shape
 * makes msg_open_stream() answer 1 and the caller opens the message whole
 * with msg_open(), which reads every shape the same way. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "mime.h"
#include "msg.h"
#include "msg_int.h"
#include "xalloc.h"

#define CHUNK    (64u << 10) /* what a stage hands on at a time */
#define HEAD_MAX (1u << 20)  /* a header block; the start of a CMS structure */
#define TAIL_MAX (8u << 20)  /* a signature part; a signed-data's end */

#define BAIL 1 /* not a shape read here: open it whole */

/* --- growing buffers, bounded, wiped ------------------------------------- */

struct acc {
	unsigned char *p;
	size_t len, cap, max;
};

static int
acc_add(struct acc *a, const unsigned char *p, size_t n)
{
	if (n > a->max - a->len)
		return -1;
	if (a->len + n > a->cap) {
		size_t cap = a->cap ? a->cap : 4096;
		unsigned char *q;

		while (cap < a->len + n)
			cap *= 2;
		if (cap > a->max)
			cap = a->max;
		q = xmalloc(cap);
		if (a->len)
			memcpy(q, a->p, a->len);
		if (a->p != NULL)
			OPENSSL_clear_free(a->p, a->cap);
		a->p = q, a->cap = cap;
	}
	if (n)
		memcpy(a->p + a->len, p, n);
	a->len += n;
	return 0;
}

/* Drop the first `n` bytes. */
static void
acc_drop(struct acc *a, size_t n)
{
	if (n == 0)
		return;
	memmove(a->p, a->p + n, a->len - n);
	a->len -= n;
	OPENSSL_cleanse(a->p + a->len, n);
}

static void
acc_free(struct acc *a)
{
	if (a->p != NULL)
		OPENSSL_clear_free(a->p, a->cap);
	a->p = NULL, a->len = a->cap = 0;
}

/* --- the text, held back until the report is complete -------------------- */

struct msg_spool {
	int fd;
	EVP_CIPHER_CTX *enc, *dec;
	size_t written, read;
};

static struct msg_spool *
spool_new(struct err *e)
{
	struct msg_spool *s = xcalloc(1, sizeof *s);
	const char *dir = getenv("TMPDIR");
	unsigned char key[32], iv[16];
	char path[4096];

	if (dir == NULL || dir[0] != '/')
		dir = "/tmp";
	s->fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (s->fd < 0) { /* no O_TMPFILE there: a named file, removed at once */
		snprintf(path, sizeof path, "%s/padseal-text.XXXXXX", dir);
		if ((s->fd = mkstemp(path)) >= 0)
			unlink(path);
	}
	if (s->fd < 0) {
		free(s);
		err_sys(e, "cannot make a temporary file in %s for the text of the message", dir);
		return NULL;
	}
	if (RAND_bytes(key, sizeof key) != 1 || RAND_bytes(iv, sizeof iv) != 1)
		xalloc_die();
	s->enc = xcheck(EVP_CIPHER_CTX_new());
	s->dec = xcheck(EVP_CIPHER_CTX_new());
	if (!EVP_EncryptInit_ex(s->enc, EVP_aes_256_ctr(), NULL, key, iv) ||
	    !EVP_DecryptInit_ex(s->dec, EVP_aes_256_ctr(), NULL, key, iv))
		xalloc_die();
	OPENSSL_cleanse(key, sizeof key);
	return s;
}

static int
spool_write(struct msg_spool *s, const unsigned char *p, size_t n, struct err *e)
{
	unsigned char buf[CHUNK];

	while (n > 0) {
		int k = (int)(n < sizeof buf ? n : sizeof buf), out = 0;
		size_t done = 0;

		if (!EVP_EncryptUpdate(s->enc, buf, &out, p, k))
			xalloc_die();
		while (done < (size_t)out) {
			ssize_t w = write(s->fd, buf + done, (size_t)out - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return err_sys(e, "cannot keep the text of the message aside");
			done += (size_t)w;
		}
		s->written += (size_t)k;
		p += k, n -= (size_t)k;
	}
	return 0;
}

size_t
msg_text_more(struct msg_report *r, char *buf, size_t len)
{
	struct msg_spool *s = r->more;
	unsigned char tmp[CHUNK];
	ssize_t got;
	int out = 0;

	if (s == NULL || s->read == s->written || len == 0)
		return 0;
	if (s->read == 0 && lseek(s->fd, 0, SEEK_SET) != 0)
		return 0;
	if (len > sizeof tmp)
		len = sizeof tmp;
	do
		got = read(s->fd, tmp, len);
	while (got < 0 && errno == EINTR);
	if (got <= 0)
		return 0;
	if (!EVP_DecryptUpdate(s->dec, (unsigned char *)buf, &out, tmp, (int)got))
		xalloc_die();
	s->read += (size_t)out;
	return (size_t)out;
}

void
msg_spool_free(struct msg_spool *s)
{
	if (s == NULL)
		return;
	close(s->fd);
	EVP_CIPHER_CTX_free(s->enc);
	EVP_CIPHER_CTX_free(s->dec);
	free(s);
}

/* --- the stages ---------------------------------------------------------- */

struct sw;
struct stage;

struct stage_ops {
	/* 0, BAIL, or -1 with the walk's error set. */
	int (*put)(struct stage *st, const unsigned char *p, size_t n);
	int (*end)(struct stage *st);
	void (*free)(struct stage *st);
};

struct stage {
	const struct stage_ops *ops;
	struct sw *sw;
	int depth;
};

/* One streamed read. */
struct sw {
	struct walk w;
	struct acc text; /* up to MSG_TEXT_HELD bytes */
	struct msg_spool *spool;
	int have_text;
};

static int
put(struct stage *st, const unsigned char *p, size_t n)
{
	return st == NULL || n == 0 ? 0 : st->ops->put(st, p, n);
}

static int
end(struct stage *st)
{
	return st == NULL ? 0 : st->ops->end(st);
}

static void
stage_free(struct stage *st)
{
	if (st != NULL)
		st->ops->free(st);
}

static int
text_out(struct sw *sw, const unsigned char *p, size_t n)
{
	size_t room = MSG_TEXT_HELD - sw->text.len;

	if (sw->spool == NULL && n <= room)
		return acc_add(&sw->text, p, n) == 0 ? 0 : -1;
	if (sw->spool == NULL && (sw->spool = spool_new(sw->w.e)) == NULL)
		return -1;
	if (room > 0 && acc_add(&sw->text, p, room) != 0)
		return -1;
	return spool_write(sw->spool, p + room, n - room, sw->w.e);
}

/* Forget the text (an envelope around it turned out damaged). */
static void
text_drop(struct sw *sw)
{
	acc_free(&sw->text);
	sw->text.max = MSG_TEXT_HELD + 1; /* and the terminating NUL */
	msg_spool_free(sw->spool);
	sw->spool = NULL;
	sw->have_text = 0;
}

static struct stage *entity_new(struct sw *sw, int depth, int top);

/* --- text: UTF-8 with LF line ends, as mime_text_utf8 makes it ----------- */

struct text {
	struct stage s;
	iconv_t cd;
	unsigned char pend[8]; /* an incomplete sequence at the end of a chunk */
	size_t npend;
	int cr; /* the last byte was a CR */
};

static int
text_lines(struct text *t, const char *p, size_t n)
{
	int rc;
	char out[CHUNK];
	size_t o = 0, used = 0;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (t->cr && c != '\n')
			out[o++] = '\n';
		t->cr = c == '\r';
		if (c == '\r')
			continue;
		out[o++] = c == '\0' ? '?' : c;
		if (o >= sizeof out - 2) {
			if (text_out(t->s.sw, (unsigned char *)out, o) != 0)
				return -1;
			used = sizeof out, o = 0;
		}
	}
	rc = o && text_out(t->s.sw, (unsigned char *)out, o) != 0 ? -1 : 0;
	OPENSSL_cleanse(out, used > o ? used : o);
	return rc;
}

static int
text_conv(struct text *t, const unsigned char *p, size_t n, int last)
{
	char buf[CHUNK];
	unsigned char join[16];
	char *in = (char *)(uintptr_t)p;
	size_t left = n;
	int rc = 0;

	/* A sequence cut at the end of the last piece: complete it with the
	 * first bytes of this one, converted as the whole read converts them
	 * (in the same iconv state, a '?' for a byte it cannot take). */
	while (t->npend > 0 && left > 0) {
		size_t k = sizeof join - t->npend < left ? sizeof join - t->npend : left;
		char *jin = (char *)join, *o = buf;
		size_t jl = t->npend + k, room = sizeof buf, used, r;
		int er;

		memcpy(join, t->pend, t->npend);
		memcpy(join + t->npend, in, k);
		r = iconv(t->cd, &jin, &jl, &o, &room);
		er = errno;
		used = (size_t)(jin - (char *)join);
		if (text_lines(t, buf, (size_t)(o - buf)) != 0)
			return -1;
		if (used >= t->npend) { /* complete: the rest from `in` on */
			in += used - t->npend;
			left -= used - t->npend;
			t->npend = 0;
			break;
		}
		if (r == (size_t)-1 && er == EINVAL && k == left && !last &&
		    t->npend - used + k <= sizeof t->pend) { /* still cut short */
			memmove(t->pend, t->pend + used, t->npend - used);
			t->npend -= used;
			memcpy(t->pend + t->npend, in, k);
			t->npend += k;
			return 0;
		}
		if (text_lines(t, "?", 1) != 0)
			return -1;
		memmove(t->pend, t->pend + used + 1, t->npend - used - 1);
		t->npend -= used + 1;
	}
	while (left > 0 && rc == 0) {
		char *o = buf;
		size_t room = sizeof buf;
		size_t r = iconv(t->cd, &in, &left, &o, &room);
		int er = errno;

		rc = text_lines(t, buf, (size_t)(o - buf));
		if (rc != 0 || r != (size_t)-1 || er == E2BIG)
			continue;
		if (er == EINVAL && !last && left < sizeof t->pend) {
			memcpy(t->pend, in, left);
			t->npend = left;
			break;
		}
		rc = text_lines(t, "?", 1);
		in++, left--;
	}
	/* At the end, what is left goes as msg_open's conversion takes it: a
	 * '?' for the first byte that cannot be converted, then the rest. */
	while (last && rc == 0 && t->npend > 0) {
		char *jin = (char *)t->pend, *o = buf;
		size_t jl = t->npend, room = sizeof buf;
		size_t r = iconv(t->cd, &jin, &jl, &o, &room);

		rc = text_lines(t, buf, (size_t)(o - buf));
		if (rc == 0 && r == (size_t)-1)
			rc = text_lines(t, "?", 1), jin++, jl--;
		memmove(t->pend, jin, jl);
		t->npend = jl;
	}
	OPENSSL_cleanse(buf,
			n < sizeof buf ? n * 4 < sizeof buf ? n * 4 + 16 : sizeof buf : sizeof buf);
	return rc;
}

static int
text_put(struct stage *st, const unsigned char *p, size_t n)
{
	return text_conv((struct text *)st, p, n, 0);
}

static int
text_end(struct stage *st)
{
	struct text *t = (struct text *)st;

	if (text_conv(t, NULL, 0, 1) != 0)
		return -1;
	if (t->cr && text_out(st->sw, (const unsigned char *)"\n", 1) != 0)
		return -1;
	t->cr = 0;
	return 0;
}

static void
text_free(struct stage *st)
{
	struct text *t = (struct text *)st;

	iconv_close(t->cd);
	OPENSSL_cleanse(t->pend, sizeof t->pend);
	free(t);
}

static const struct stage_ops text_ops = {text_put, text_end, text_free};

/* --- base64 -------------------------------------------------------------- */

/* 1 + the value of each base64 character, 0 for the others. */
static const unsigned char b64[256] = {
	0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  63,
	0,  0,  0,  64, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 0,  0,  0,  0,  0,  0,  0,  1,
	2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
	24, 25, 26, 0,  0,  0,  0,  0,  0,  27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39,
	40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 0,  0,  0,  0,  0,  0,  0,  0,  0,
	0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
};

struct b64 {
	struct stage s;
	struct stage *child;
	unsigned long acc;
	int k;
};

static int
b64_put(struct stage *st, const unsigned char *p, size_t n)
{
	struct b64 *b = (struct b64 *)st;
	unsigned char out[CHUNK + 4];
	size_t o = 0, used = 0;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		unsigned v = b64[p[i]];

		if (v == 0) {
			if (p[i] == '=') { /* padding ends a quantum */
				if (b->k == 2)
					out[o++] = (unsigned char)(b->acc >> 4);
				else if (b->k == 3) {
					out[o++] = (unsigned char)(b->acc >> 10);
					out[o++] = (unsigned char)(b->acc >> 2);
				}
				b->k = 0, b->acc = 0;
			}
			continue; /* white space, or junk (skipped as msg_open does) */
		}
		b->acc = b->acc << 6 | (v - 1);
		if (++b->k == 4) {
			out[o++] = (unsigned char)(b->acc >> 16);
			out[o++] = (unsigned char)(b->acc >> 8);
			out[o++] = (unsigned char)b->acc;
			b->k = 0, b->acc = 0;
		}
		if (o >= CHUNK) {
			rc = put(b->child, out, o);
			used = CHUNK + 4, o = 0;
		}
	}
	if (rc == 0)
		rc = put(b->child, out, o);
	OPENSSL_cleanse(out, used > o ? used : o);
	return rc;
}

static int
b64_end(struct stage *st)
{
	struct b64 *b = (struct b64 *)st;
	int rc;

	if (b->k >= 2) { /* missing padding: the partial quantum counts */
		rc = b64_put(st, (const unsigned char *)"=", 1);
		if (rc != 0)
			return rc;
	}
	return end(b->child);
}

static void
b64_free(struct stage *st)
{
	struct b64 *b = (struct b64 *)st;

	stage_free(b->child);
	free(b);
}

static const struct stage_ops b64_ops = {b64_put, b64_end, b64_free};

static struct stage *
b64_new(struct sw *sw, struct stage *child)
{
	struct b64 *b = xcalloc(1, sizeof *b);

	b->s.ops = &b64_ops, b->s.sw = sw;
	b->child = child;
	return &b->s;
}

/* --- quoted-printable ---------------------------------------------------- */

/* An "=" or a run of blanks waits for the bytes that decide it (a soft
 * line break, trailing blanks added in transport).  A run longer than this
 * is passed on as it is, as if a character followed it: only a line of
 * more than 64 KiB of blanks reads differently from the whole read. */
#define QP_HOLD (64u << 10)

struct qp {
	struct stage s;
	struct stage *child;
	struct acc in;      /* what is not decided yet, then the new bytes */
	unsigned char *out; /* QP_HOLD + CHUNK */
};

static int
qp_decide(struct qp *q, int last)
{
	size_t o, took = mime_qp_step(q->in.p, q->in.len, last, q->out, &o);
	int rc = put(q->child, q->out, o);

	OPENSSL_cleanse(q->out, o);
	acc_drop(&q->in, took);
	if (rc == 0 && q->in.len > QP_HOLD) {
		rc = put(q->child, q->in.p, q->in.len);
		acc_drop(&q->in, q->in.len);
	}
	return rc;
}

static int
qp_put(struct stage *st, const unsigned char *p, size_t n)
{
	struct qp *q = (struct qp *)st;
	int rc = 0;

	while (n > 0 && rc == 0) {
		size_t k = n < CHUNK ? n : CHUNK;

		if (acc_add(&q->in, p, k) != 0)
			return -1; /* cannot happen: at most QP_HOLD is kept */
		rc = qp_decide(q, 0);
		p += k, n -= k;
	}
	return rc;
}

static int
qp_end(struct stage *st)
{
	struct qp *q = (struct qp *)st;
	int rc = q->in.len ? qp_decide(q, 1) : 0;

	return rc != 0 ? rc : end(q->child);
}

static void
qp_free(struct stage *st)
{
	struct qp *q = (struct qp *)st;

	stage_free(q->child);
	acc_free(&q->in);
	OPENSSL_clear_free(q->out, QP_HOLD + CHUNK);
	free(q);
}

static const struct stage_ops qp_ops = {qp_put, qp_end, qp_free};

static struct stage *
qp_new(struct sw *sw, struct stage *child)
{
	struct qp *q = xcalloc(1, sizeof *q);

	q->s.ops = &qp_ops, q->s.sw = sw;
	q->child = child;
	q->in.max = QP_HOLD + CHUNK;
	q->out = xmalloc(QP_HOLD + CHUNK);
	return &q->s;
}

/* --- BER: headers, and the content octets however they are cut ----------- */

/* The header of the element at p: 1 (tag, header length, content length
 * or indefinite), 0 when more bytes are needed, -1 when it is not BER
 * padseal reads (long tags, lengths beyond size_t). */
static int
ber_hdr(const unsigned char *p, size_t n, unsigned char *tag, size_t *hlen, size_t *len, int *indef)
{
	size_t nb;

	if (n < 2)
		return 0;
	if ((p[0] & 0x1f) == 0x1f)
		return -1;
	*tag = p[0], *indef = 0, *len = 0;
	if (p[1] < 0x80) {
		*hlen = 2, *len = p[1];
		return 1;
	}
	if (p[1] == 0x80) {
		*hlen = 2, *indef = 1;
		return 1;
	}
	nb = p[1] & 0x7f;
	if (nb > sizeof(size_t) - 1)
		return -1;
	if (n < 2 + nb)
		return 0;
	for (size_t i = 0; i < nb; i++)
		*len = *len << 8 | p[2 + i];
	*hlen = 2 + nb;
	return 1;
}

/* A whole element at p[*off]: its start and size; 1, 0 more needed, -1. */
static int
ber_whole(const unsigned char *p, size_t n, size_t *off, unsigned char want, size_t *start,
	  size_t *size)
{
	unsigned char tag;
	size_t hl, len;
	int indef, r = ber_hdr(p + *off, n - *off, &tag, &hl, &len, &indef);

	if (r <= 0)
		return r;
	if (tag != want || indef) /* indefinite pieces are not copied */
		return -1;
	if (len > n - *off - hl)
		return 0;
	*start = *off, *size = hl + len;
	*off += hl + len;
	return 1;
}

/* The content octets of an OCTET STRING or [0] encryptedContent: primitive,
 * or constructed of primitive pieces, definite or indefinite. */
struct octets {
	int constructed, indef, done;
	size_t left;  /* bytes of the current primitive piece */
	size_t cleft; /* bytes of a definite constructed element */
	unsigned char h[12];
	size_t hn;
};

/* Start at the element's header (tag, hl, len, indef). */
static int
octets_begin(struct octets *o, unsigned char tag, size_t len, int indef)
{
	memset(o, 0, sizeof *o);
	o->constructed = (tag & 0x20) != 0;
	if (!o->constructed) {
		if (indef)
			return -1;
		o->left = len;
		o->done = len == 0;
		return 0;
	}
	o->indef = indef;
	o->cleft = len;
	o->done = !indef && len == 0;
	return 0;
}

/* Feed `n` bytes; the content goes to `emit`.  Returns how many bytes
 * were taken (the rest follows the element), or -1 (BAIL-worthy BER). */
static long
octets_feed(struct octets *o, const unsigned char *p, size_t n,
	    int (*emit)(void *arg, const unsigned char *p, size_t n), void *arg, int *rc)
{
	size_t i = 0;

	*rc = 0;
	while (i < n && !o->done) {
		if (o->left > 0) {
			size_t k = n - i < o->left ? n - i : o->left;

			if ((*rc = emit(arg, p + i, k)) != 0)
				return -1;
			o->left -= k, i += k;
			if (o->constructed && !o->indef)
				o->cleft -= k;
			if (!o->constructed && o->left == 0)
				o->done = 1;
			else if (o->constructed && !o->indef && o->left == 0 && o->cleft == 0)
				o->done = 1;
			continue;
		}
		/* The header of the next piece. */
		{
			unsigned char tag;
			size_t hl, len;
			int indef, r;

			o->h[o->hn++] = p[i++];
			r = ber_hdr(o->h, o->hn, &tag, &hl, &len, &indef);
			if (r == 0 && o->hn < sizeof o->h)
				continue;
			if (r <= 0)
				return -1;
			o->hn = 0;
			if (o->indef && tag == 0 && len == 0 && !indef) {
				o->done = 1; /* end of contents */
				break;
			}
			if (tag != V_ASN1_OCTET_STRING || indef)
				return -1;
			if (!o->indef) {
				if (hl > o->cleft || len > o->cleft - hl)
					return -1;
				o->cleft -= hl;
			}
			o->left = len;
			if (len == 0 && !o->indef && o->cleft == 0)
				o->done = 1;
		}
	}
	return (long)i;
}

/* --- CMS: envelopes and opaque signed-data ------------------------------- */

static size_t
der_len(size_t len, unsigned char *out)
{
	size_t n = 0;

	if (len < 0x80) {
		out[0] = (unsigned char)len;
		return 1;
	}
	for (size_t l = len; l > 0; l >>= 8)
		n++;
	out[0] = (unsigned char)(0x80 | n);
	for (size_t i = 0; i < n; i++)
		out[1 + i] = (unsigned char)(len >> (8 * (n - 1 - i)));
	return 1 + n;
}

/* Wrap `body` in tag: a new buffer. */
static void
wrap(unsigned char tag, const unsigned char *body, size_t n, struct acc *out)
{
	unsigned char h[12];

	h[0] = tag;
	acc_add(out, h, 1 + der_len(n, h + 1));
	acc_add(out, body, n);
}

struct piece {
	size_t at, n;
};

/* ContentInfo { type, [0] { SEQUENCE { pieces... } } } in DER, from
 * pieces of `src` (whole elements, copied as they are) and `inner` (an
 * extra element built here, may be NULL). */
static CMS_ContentInfo *
rebuild(int nid, const unsigned char *src, const struct piece *pc, size_t np)
{
	struct acc seq = {.max = (size_t)-1}, a0 = {.max = (size_t)-1}, ci = {.max = (size_t)-1};
	struct acc body = {.max = (size_t)-1};
	unsigned char oid[32];
	ASN1_OBJECT *o = OBJ_nid2obj(nid);
	int ol = i2d_ASN1_OBJECT(o, NULL);
	unsigned char *q = oid;
	const unsigned char *d;
	CMS_ContentInfo *cms;

	for (size_t i = 0; i < np; i++)
		acc_add(&body, src + pc[i].at, pc[i].n);
	wrap(0x30, body.p, body.len, &seq);
	wrap(0xa0, seq.p, seq.len, &a0);
	if (ol <= 0 || ol > (int)sizeof oid)
		return NULL;
	i2d_ASN1_OBJECT(o, &q);
	acc_add(&body, NULL, 0);
	{
		struct acc both = {.max = (size_t)-1};

		acc_add(&both, oid, (size_t)ol);
		acc_add(&both, a0.p, a0.len);
		wrap(0x30, both.p, both.len, &ci);
		acc_free(&both);
	}
	d = ci.p;
	cms = d2i_CMS_ContentInfo(NULL, &d, (long)ci.len);
	ERR_clear_error();
	acc_free(&body), acc_free(&seq), acc_free(&a0), acc_free(&ci);
	return cms;
}

#define MAX_MD 3

struct cms {
	struct stage s;
	char hint[40];
	struct acc pre; /* the start, until the content is found */
	int phase;      /* 0 the start, 1 the content, 2 after it */
	int type;
	struct octets oc;
	struct stage *child;
	size_t li;       /* the layer */
	size_t n_before; /* layers before this one */
	/* enveloped */
	CMS_ContentInfo *cms;
	BIO *cb; /* the cipher BIO CMS_dataInit made: its context decrypts */
	EVP_CIPHER_CTX *cctx;
	int opened;
	/* signed */
	struct acc tail; /* after the content (both kinds) */
	struct piece pc[6];
	size_t np;
	BIO *md; /* digests of the content, chained */
	/* Indefinite lengths opened around the content, whose ends (two zero
	 * bytes each) must follow it: those of ContentInfo, its [0] and the
	 * Enveloped/SignedData SEQUENCE (outer), and of the
	 * (Encrypted|Encap)ContentInfo and a signed-data's [0] (inner). */
	int indef_outer, indef_inner;
};

static int
cms_emit_plain(void *arg, const unsigned char *p, size_t n)
{
	struct cms *c = arg;
	unsigned char out[CHUNK + 64];
	int rc = 0;

	while (n > 0 && rc == 0) {
		int k = (int)(n < CHUNK ? n : CHUNK), ol = 0;

		if (!EVP_DecryptUpdate(c->cctx, out, &ol, p, k))
			return -1;
		rc = put(c->child, out, (size_t)ol);
		OPENSSL_cleanse(out, (size_t)ol);
		p += k, n -= (size_t)k;
	}
	return rc;
}

static int
cms_emit_signed(void *arg, const unsigned char *p, size_t n)
{
	struct cms *c = arg;

	if (BIO_write(c->md, p, (int)n) != (int)n)
		return -1;
	return put(c->child, p, n);
}

/* A chain of digest BIOs ending in a null sink; NULL when a digest is
 * not known. */
static BIO *
md_chain(const EVP_MD *const *mds, size_t n)
{
	BIO *chain = xcheck(BIO_new(BIO_s_null()));

	for (size_t i = 0; i < n; i++) {
		BIO *b = xcheck(BIO_new(BIO_f_md()));

		if (mds[i] == NULL || !BIO_set_md(b, mds[i])) {
			BIO_free(b);
			BIO_free_all(chain);
			return NULL;
		}
		chain = BIO_push(b, chain);
	}
	return chain;
}

/* Where the content starts: 1 found (the phase moves on), 0 more bytes
 * needed, BAIL, or -1. */
static int
cms_start(struct cms *c)
{
	struct sw *sw = c->s.sw;
	const unsigned char *p = c->pre.p;
	size_t n = c->pre.len, off = 0, at, sz, hl, len;
	unsigned char tag;
	int indef, r;
	ASN1_OBJECT *obj = NULL;
	const unsigned char *q;

	/* ContentInfo SEQUENCE, contentType, [0] */
	if ((r = ber_hdr(p, n, &tag, &hl, &len, &indef)) <= 0)
		return r < 0 ? BAIL : 0;
	if (tag != 0x30)
		return BAIL;
	c->indef_outer = indef, c->indef_inner = 0;
	off = hl;
	if ((r = ber_whole(p, n, &off, 0x06, &at, &sz)) <= 0)
		return r < 0 ? BAIL : 0;
	q = p + at;
	if ((obj = d2i_ASN1_OBJECT(NULL, &q, (long)sz)) == NULL)
		return BAIL;
	c->type = OBJ_obj2nid(obj);
	ASN1_OBJECT_free(obj);
	if (c->type != NID_pkcs7_enveloped && c->type != NID_pkcs7_signed)
		return BAIL;
	for (int i = 0; i < 2; i++) { /* [0], then the SEQUENCE inside */
		if ((r = ber_hdr(p + off, n - off, &tag, &hl, &len, &indef)) <= 0)
			return r < 0 ? BAIL : 0;
		if (tag != (i ? 0x30 : 0xa0))
			return BAIL;
		c->indef_outer += indef;
		off += hl;
	}
	c->np = 0;
	if ((r = ber_whole(p, n, &off, 0x02, &at, &sz)) <= 0) /* version */
		return r < 0 ? BAIL : 0;
	c->pc[c->np++] = (struct piece){at, sz};
	if (c->type == NID_pkcs7_enveloped) {
		if (n - off >= 1 && p[off] == 0xa0) { /* originatorInfo */
			if ((r = ber_whole(p, n, &off, 0xa0, &at, &sz)) <= 0)
				return r < 0 ? BAIL : 0;
			c->pc[c->np++] = (struct piece){at, sz};
		}
		if ((r = ber_whole(p, n, &off, 0x31, &at, &sz)) <= 0) /* recipientInfos */
			return r < 0 ? BAIL : 0;
		c->pc[c->np++] = (struct piece){at, sz};
	} else if ((r = ber_whole(p, n, &off, 0x31, &at, &sz)) <= 0) { /* digestAlgorithms */
		return r < 0 ? BAIL : 0;
	} else {
		c->pc[c->np++] = (struct piece){at, sz};
	}
	/* (Encap|Encrypted)ContentInfo SEQUENCE { contentType, ... } */
	if ((r = ber_hdr(p + off, n - off, &tag, &hl, &len, &indef)) <= 0)
		return r < 0 ? BAIL : 0;
	if (tag != 0x30)
		return BAIL;
	c->indef_inner = indef;
	off += hl;
	if ((r = ber_whole(p, n, &off, 0x06, &at, &sz)) <= 0)
		return r < 0 ? BAIL : 0;
	c->pc[c->np++] = (struct piece){at, sz};
	if (c->type == NID_pkcs7_enveloped) {
		if ((r = ber_whole(p, n, &off, 0x30, &at, &sz)) <= 0) /* algorithm */
			return r < 0 ? BAIL : 0;
		c->pc[c->np++] = (struct piece){at, sz};
		if ((r = ber_hdr(p + off, n - off, &tag, &hl, &len, &indef)) <= 0)
			return r < 0 ? BAIL : 0;
		if (tag != 0x80 && tag != 0xa0)
			return BAIL; /* no content in it */
	} else {
		if ((r = ber_hdr(p + off, n - off, &tag, &hl, &len, &indef)) <= 0)
			return r < 0 ? BAIL : 0;
		if (tag != 0xa0)
			return BAIL; /* detached: not here */
		c->indef_inner += indef;
		off += hl;
		if ((r = ber_hdr(p + off, n - off, &tag, &hl, &len, &indef)) <= 0)
			return r < 0 ? BAIL : 0;
		if (tag != 0x04 && tag != 0x24)
			return BAIL;
	}
	if (octets_begin(&c->oc, tag, len, indef) != 0)
		return BAIL;
	off += hl;
	(void)sw;
	return (int)off + 1; /* where the content starts, plus one */
}

static int
cms_open_envelope(struct cms *c)
{
	struct sw *sw = c->s.sw;
	struct walk *w = &sw->w;
	struct msg_layer *l;
	int mine[MAX_OWN] = {0};
	const unsigned char *q = c->pre.p + c->pc[c->np - 1].at;
	X509_ALGOR *alg = d2i_X509_ALGOR(NULL, &q, (long)c->pc[c->np - 1].n);
	const ASN1_OBJECT *obj = NULL;
	struct piece eci[2] = {c->pc[c->np - 2], c->pc[c->np - 1]};
	struct acc encinfo = {.max = (size_t)-1};
	struct piece pc[4];
	size_t np = 0;

	/* version, [originatorInfo], recipientInfos, then the
	 * EncryptedContentInfo without its content: rebuilt after them. */
	for (size_t i = 0; i + 2 < c->np; i++)
		pc[np++] = c->pc[i];
	for (int i = 0; i < 2; i++)
		acc_add(&encinfo, c->pre.p + eci[i].at, eci[i].n);
	{
		struct acc whole = {.max = (size_t)-1}, e2 = {.max = (size_t)-1};

		for (size_t i = 0; i < np; i++)
			acc_add(&whole, c->pre.p + pc[i].at, pc[i].n);
		wrap(0x30, encinfo.p, encinfo.len, &e2);
		acc_add(&whole, e2.p, e2.len);
		{
			struct piece one = {0, whole.len};

			c->cms = rebuild(NID_pkcs7_enveloped, whole.p, &one, 1);
		}
		acc_free(&whole), acc_free(&e2);
	}
	acc_free(&encinfo);
	c->n_before = w->r->n_layers;
	if ((l = msg_add_layer(w, LAYER_ENVELOPED)) == NULL) {
		X509_ALGOR_free(alg);
		return -1;
	}
	c->li = (size_t)(l - w->r->layer);
	if (alg != NULL) {
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
		msg_alg_name(OBJ_obj2nid(obj), obj, l->alg, sizeof l->alg);
	} else {
		msg_copy(l->alg, sizeof l->alg, "unknown cipher");
	}
	X509_ALGOR_free(alg);
	if (c->cms == NULL)
		return BAIL;
	if (msg_recipients(w, c->cms, l, mine) == 0) {
		char note[sizeof l->note + sizeof l->recipients];

		snprintf(note, sizeof note, "it is not addressed to you: it is for %s",
			 l->recipients[0] ? l->recipients : "nobody named");
		msg_copy(l->note, sizeof l->note, note);
		return 0;
	}
	if (msg_envelope_key(w, c->cms, l, mine, &c->cb) != 0)
		return 0;
	BIO_get_cipher_ctx(c->cb, &c->cctx);
	c->opened = 1;
	c->child = entity_new(sw, c->s.depth + 1, 0);
	return 0;
}

static int
cms_open_signed(struct cms *c)
{
	struct walk *w = &c->s.sw->w;
	const unsigned char *set = c->pre.p + c->pc[1].at;
	const EVP_MD *mds[MAX_MD];
	size_t nmd = 0, n = c->pc[1].n, off, at, sz, hl, len;
	struct msg_layer *l;
	unsigned char tag;
	int indef;

	/* digestAlgorithms: SET OF AlgorithmIdentifier */
	if (ber_hdr(set, n, &tag, &hl, &len, &indef) != 1)
		return BAIL;
	for (off = hl; off < n && nmd < MAX_MD;) {
		const unsigned char *q;
		X509_ALGOR *a;
		const ASN1_OBJECT *obj;

		if (ber_whole(set, n, &off, 0x30, &at, &sz) != 1)
			return BAIL;
		q = set + at;
		if ((a = d2i_X509_ALGOR(NULL, &q, (long)sz)) == NULL)
			return BAIL;
		X509_ALGOR_get0(&obj, NULL, NULL, a);
		mds[nmd++] = EVP_get_digestbyobj(obj);
		X509_ALGOR_free(a);
	}
	if (nmd == 0 || (c->md = md_chain(mds, nmd)) == NULL)
		return BAIL;
	if ((l = msg_add_layer(w, LAYER_SIGNED)) == NULL)
		return -1;
	l->opaque = 1;
	c->li = (size_t)(l - w->r->layer);
	c->child = entity_new(c->s.sw, c->s.depth + 1, 0);
	return 0;
}

static int
cms_content(struct cms *c, const unsigned char *p, size_t n)
{
	int rc = 0;
	long took;

	if (c->phase == 1) {
		took = octets_feed(&c->oc, p, n,
				   c->type == NID_pkcs7_enveloped ? cms_emit_plain :
								    cms_emit_signed,
				   c, &rc);
		if (took < 0)
			return rc != 0 ? rc : c->opened || c->type == NID_pkcs7_signed ? BAIL : 0;
		p += took, n -= (size_t)took;
		if (c->oc.done)
			c->phase = 2;
	}
	if (c->phase == 2 && n > 0 && acc_add(&c->tail, p, n) != 0)
		return BAIL;
	return 0;
}

static int
cms_emit_skip(void *arg, const unsigned char *p, size_t n)
{
	(void)arg, (void)p, (void)n;
	return 0;
}

static int
cms_put(struct stage *st, const unsigned char *p, size_t n)
{
	struct cms *c = (struct cms *)st;
	int r;

	if (c->phase > 0) {
		if (c->type == NID_pkcs7_enveloped && !c->opened && c->phase == 1) {
			int rc;
			long took = octets_feed(&c->oc, p, n, cms_emit_skip, NULL, &rc);

			if (took >= 0 && c->oc.done)
				c->phase = 2;
			return 0;
		}
		return cms_content(c, p, n);
	}
	if (acc_add(&c->pre, p, n) != 0)
		return BAIL;
	if ((r = cms_start(c)) <= 0 || r == BAIL)
		return r;
	{
		size_t start = (size_t)r - 1, rest = c->pre.len - start;
		unsigned char *tmp;

		r = c->type == NID_pkcs7_enveloped ? cms_open_envelope(c) : cms_open_signed(c);
		if (r != 0)
			return r;
		c->phase = 1;
		if (c->oc.done)
			c->phase = 2;
		tmp = xmemdup(c->pre.p + start, rest);
		r = cms_put(st, tmp, rest);
		OPENSSL_clear_free(tmp, rest);
		return r;
	}
}

/* `k` ends of contents (two zero bytes each) at p[*off], taken. */
static int
ends(const unsigned char *p, size_t n, size_t *off, int k)
{
	for (; k > 0; k--, *off += 2)
		if (n - *off < 2 || p[*off] != 0 || p[*off + 1] != 0)
			return 0;
	return 1;
}

/* What follows an envelope's content: the end of the
 * EncryptedContentInfo, unprotected attributes if any, and the ends of
 * the outer elements, and nothing else.  A message cut there is cut
 * short even if the cipher text is whole. */
static int
cms_envelope_closed(const struct cms *c)
{
	const unsigned char *p = c->tail.p;
	size_t n = c->tail.len, off = 0, at, sz;

	if (!ends(p, n, &off, c->indef_inner))
		return 0;
	if (n - off >= 1 && p[off] == 0xa1 && ber_whole(p, n, &off, 0xa1, &at, &sz) != 1)
		return 0;
	return ends(p, n, &off, c->indef_outer) && off == n;
}

/* The end of an opaque signed-data: certificates, CRLs, signer infos. */
static int
cms_verify_signed(struct cms *c)
{
	struct walk *w = &c->s.sw->w;
	struct msg_layer *l = &w->r->layer[c->li];
	const unsigned char *p = c->tail.p;
	size_t n = c->tail.len, off = 0, at, sz;
	struct piece pc[8];
	size_t np = 0;
	struct acc encap = {.max = (size_t)-1}, src = {.max = (size_t)-1};
	CMS_ContentInfo *cms;

	if (!ends(p, n, &off, c->indef_inner)) /* of [0] and encapContentInfo */
		return BAIL;
	for (int k = 0; k < 2; k++)
		pc[k] = c->pc[k]; /* version, digestAlgorithms */
	np = 2;
	/* encapContentInfo without its content */
	wrap(0x30, c->pre.p + c->pc[2].at, c->pc[2].n, &encap);
	acc_add(&src, c->pre.p, c->pre.len);
	pc[np++] = (struct piece){src.len, encap.len};
	acc_add(&src, encap.p, encap.len);
	acc_free(&encap);
	{
		size_t base = src.len;

		acc_add(&src, p, n);
		for (unsigned char t = 0xa0; t <= 0xa1; t++)
			if (n - off >= 1 && p[off] == t) {
				if (ber_whole(p, n, &off, t, &at, &sz) != 1)
					goto bad;
				pc[np++] = (struct piece){base + at, sz};
			}
		if (ber_whole(p, n, &off, 0x31, &at, &sz) != 1 ||
		    !ends(p, n, &off, c->indef_outer) || off != n)
			goto bad;
		pc[np++] = (struct piece){base + at, sz};
	}
	cms = rebuild(NID_pkcs7_signed, src.p, pc, np);
	acc_free(&src);
	if (cms == NULL)
		return BAIL;
	msg_verify(w, cms, l, NULL, c->md);
	CMS_ContentInfo_free(cms);
	return 0;
bad:
	acc_free(&src);
	return BAIL;
}

static int
cms_end(struct stage *st)
{
	struct cms *c = (struct cms *)st;
	struct walk *w = &c->s.sw->w;
	int rc;

	if (c->phase == 0)
		return BAIL; /* cut short, or not CMS: as msg_open says */
	if (c->phase == 1 && (c->opened || c->type == NID_pkcs7_signed))
		return BAIL; /* the content is cut short */
	if (c->type == NID_pkcs7_signed) {
		if ((rc = end(c->child)) != 0)
			return rc;
		return cms_verify_signed(c);
	}
	if (!c->opened)
		return 0;
	if (!cms_envelope_closed(c))
		return BAIL; /* cut short after the content: as msg_open says */
	{
		unsigned char out[64];
		int ol = 0;
		struct msg_layer *l = &w->r->layer[c->li];

		if (!EVP_DecryptFinal_ex(c->cctx, out, &ol)) {
			char why[200];

			ERR_error_string_n(ERR_peek_last_error(), why, sizeof why);
			ERR_clear_error();
			/* What was read inside it counts for nothing. */
			for (size_t i = c->li + 1; i < w->r->n_layers; i++) {
				free(w->r->layer[i].signer_der);
				free(w->r->layer[i].signer_ca_der);
			}
			w->r->n_layers = c->li + 1;
			text_drop(c->s.sw);
			w->r->parts[0] = '\0';
			l->opened = 0;
			l->opened_with[0] = '\0';
			char note[sizeof l->note + sizeof why];

			snprintf(note, sizeof note,
				 "it is addressed to you but cannot be decrypted: it is damaged (%s)",
				 why);
			msg_copy(l->note, sizeof l->note, note);
			stage_free(c->child);
			c->child = NULL;
			return 0;
		}
		rc = put(c->child, out, (size_t)ol);
		OPENSSL_cleanse(out, sizeof out);
		return rc != 0 ? rc : end(c->child);
	}
}

static void
cms_free(struct stage *st)
{
	struct cms *c = (struct cms *)st;

	stage_free(c->child);
	acc_free(&c->pre);
	acc_free(&c->tail);
	BIO_free_all(c->cb);
	BIO_free_all(c->md);
	CMS_ContentInfo_free(c->cms);
	free(c);
}

static const struct stage_ops cms_ops = {cms_put, cms_end, cms_free};

static struct stage *
cms_new(struct sw *sw, int depth)
{
	struct cms *c = xcalloc(1, sizeof *c);

	c->s.ops = &cms_ops, c->s.sw = sw, c->s.depth = depth;
	c->pre.max = HEAD_MAX;
	c->tail.max = TAIL_MAX;
	return &c->s;
}

/* --- multipart/signed ---------------------------------------------------- */

struct det {
	struct stage s;
	char delim[MIME_MAX_BOUNDARY + 3];
	size_t dlen;
	int phase;    /* 0 before the first part, 1 the content, 2 the
			 signature, 3 after it */
	int at_start; /* the window starts the body */
	int cr;       /* the last content byte hashed was a CR */
	struct acc win, sig;
	struct stage *child;
	BIO *md;
	size_t li;
};

static int
det_emit(struct det *d, const unsigned char *p, size_t n)
{
	int rc = 0;

	if (n == 0)
		return 0;
	if (d->phase == 2)
		return acc_add(&d->sig, p, n) == 0 ? 0 : BAIL;
	if (d->phase != 1)
		return 0;
	/* The canonical form is hashed: a bare LF as CRLF. */
	for (size_t i = 0, run = 0; i <= n; i++) {
		if (i < n && p[i] != '\n')
			continue;
		if (i < n && !(i > 0 ? p[i - 1] == '\r' : d->cr)) {
			BIO_write(d->md, p + run, (int)(i - run));
			BIO_write(d->md, "\r\n", 2);
			run = i + 1;
		} else if (i == n) {
			BIO_write(d->md, p + run, (int)(n - run));
		}
	}
	d->cr = p[n - 1] == '\r';
	rc = put(d->child, p, n);
	return rc;
}

/* Is there a delimiter line at w[j]?  1 (its end in *after), 0 no, -1
 * more bytes are needed. */
static int
det_delim(struct det *d, const unsigned char *w, size_t n, size_t j, int last, size_t *after,
	  int *close)
{
	size_t q = j + d->dlen, k = n - j < d->dlen ? n - j : d->dlen;

	if (memcmp(w + j, d->delim, k) != 0)
		return 0;
	if (k < d->dlen)
		return last ? 0 : -1;
	if (n - q < 2 && !last)
		return -1;
	*close = n - q >= 2 && w[q] == '-' && w[q + 1] == '-';
	if (*close)
		q += 2;
	while (q < n && (w[q] == ' ' || w[q] == '\t'))
		q++;
	if (q == n)
		return last ? (*after = q, 1) : -1;
	if (w[q] == '\r' && q + 1 == n)
		return last ? (*after = q + 1, 1) : -1;
	if (w[q] == '\n' || (w[q] == '\r' && w[q + 1] == '\n')) {
		q += w[q] == '\r' ? 2 : 1;
		*after = q;
		return 1;
	}
	return 0;
}

static int
det_scan(struct det *d, int last)
{
	for (;;) {
		unsigned char *w = d->win.p;
		size_t n = d->win.len, i = 0, after;
		int close = 0, r = 0, rc;
		size_t hit = n;

		if (d->phase == 3 || n == 0)
			return 0;
		if (d->at_start) {
			if ((r = det_delim(d, w, n, 0, last, &after, &close)) < 0)
				return 0;
			d->at_start = 0;
			if (r == 1)
				hit = 0;
		}
		while (hit == n) {
			unsigned char *nl = memchr(w + i, '\n', n - i);

			if (nl == NULL)
				break;
			i = (size_t)(nl - w) + 1;
			if ((r = det_delim(d, w, n, i, last, &after, &close)) < 0) {
				size_t keep = i - 1;

				if (keep > 0 && w[keep - 1] == '\r')
					keep--;
				if ((rc = det_emit(d, w, keep)) != 0)
					return rc;
				acc_drop(&d->win, keep);
				return 0;
			}
			if (r == 1)
				hit = i;
		}
		if (hit == n) { /* no delimiter: all of it, but a CR that may
				   start a line end */
			size_t keep = !last && n > 0 && w[n - 1] == '\r' ? n - 1 : n;

			if ((rc = det_emit(d, w, keep)) != 0)
				return rc;
			acc_drop(&d->win, keep);
			return 0;
		}
		{
			size_t stop = hit;

			if (stop > 0 && w[stop - 1] == '\n')
				stop--;
			if (stop > 0 && w[stop - 1] == '\r')
				stop--;
			if ((rc = det_emit(d, w, d->phase == 0 ? hit : stop)) != 0)
				return rc;
		}
		if (d->phase == 1 && (rc = end(d->child)) != 0)
			return rc;
		d->phase = close ? 3 : d->phase + 1;
		acc_drop(&d->win, after);
		if (d->phase == 3)
			return 0;
	}
}

static int
det_put(struct stage *st, const unsigned char *p, size_t n)
{
	struct det *d = (struct det *)st;

	if (d->phase == 3)
		return 0;
	if (acc_add(&d->win, p, n) != 0)
		return BAIL;
	return det_scan(d, 0);
}

static int
det_end(struct stage *st)
{
	struct det *d = (struct det *)st;
	struct walk *w = &st->sw->w;
	struct msg_layer *l = &w->r->layer[d->li];
	struct mime_entity sm;
	struct mime_data dd;
	CMS_ContentInfo *cms;
	int rc;

	if ((rc = det_scan(d, 1)) != 0)
		return rc;
	if (d->phase == 1 && (rc = end(d->child)) != 0)
		return rc;
	if (d->phase == 0) {
		msg_copy(l->note, sizeof l->note,
			 "the signed message is damaged: its parts cannot be found");
		return 0;
	}
	if (d->phase == 1 || (d->phase == 3 && d->sig.len == 0 && d->sig.p == NULL)) {
		msg_copy(l->note, sizeof l->note,
			 "the signed message is damaged: the signature part is missing");
		return 0;
	}
	mime_parse(d->sig.p, d->sig.len, MIME_LENIENT, NULL, &sm, NULL);
	mime_decode_body(&sm, &dd);
	cms = msg_parse_cms(dd.p, dd.len);
	mime_data_free(&dd);
	mime_entity_free(&sm);
	if (cms == NULL) {
		msg_copy(l->note, sizeof l->note,
			 "the signature part is damaged: it is not a readable S/MIME signature");
		return 0;
	}
	rc = msg_verify(w, cms, l, NULL, d->md);
	CMS_ContentInfo_free(cms);
	return rc < 0 ? BAIL : 0;
}

static void
det_free(struct stage *st)
{
	struct det *d = (struct det *)st;

	stage_free(d->child);
	acc_free(&d->win);
	acc_free(&d->sig);
	BIO_free_all(d->md);
	free(d);
}

static const struct stage_ops det_ops = {det_put, det_end, det_free};

static const EVP_MD *
micalg_md(const char *ctype)
{
	char v[64] = "";

	if (!mime_param(ctype, "micalg", v, sizeof v))
		return EVP_sha256();
	for (char *c = v; *c; c++)
		if (*c == '-')
			memmove(c, c + 1, strlen(c));
	return EVP_get_digestbyname(v);
}

static struct stage *
det_new(struct sw *sw, const struct mime_entity *m, int depth, int *rc)
{
	struct det *d;
	char b[MIME_MAX_BOUNDARY + 1];
	const EVP_MD *mds[2] = {EVP_sha256(), micalg_md(m->ctype)};
	struct msg_layer *l;

	*rc = BAIL;
	if (!mime_param(m->ctype, "boundary", b, sizeof b) || b[0] == '\0' ||
	    strlen(b) >= MIME_MAX_BOUNDARY || mds[1] == NULL)
		return NULL;
	d = xcalloc(1, sizeof *d);
	d->s.ops = &det_ops, d->s.sw = sw, d->s.depth = depth;
	d->dlen = (size_t)snprintf(d->delim, sizeof d->delim, "--%s", b);
	d->at_start = 1;
	d->win.max = HEAD_MAX + CHUNK * 4;
	d->sig.max = TAIL_MAX;
	d->md = md_chain(mds, mds[1] == mds[0] ? 1 : 2);
	if ((l = msg_add_layer(&sw->w, LAYER_SIGNED)) == NULL) {
		*rc = -1;
		det_free(&d->s);
		return NULL;
	}
	d->li = (size_t)(l - sw->w.r->layer);
	d->child = entity_new(sw, depth + 1, 0);
	*rc = 0;
	return &d->s;
}

/* --- an entity: its header block, then what its type says ---------------- */

struct ent {
	struct stage s;
	int top;
	size_t scan; /* the header lines seen so far end here */
	struct acc hdr;
	struct stage *child;
	int body;
};

/* What reads the body of `m`; NULL with *rc BAIL for another shape. */
static struct stage *
ent_child(struct ent *en, const struct mime_entity *m, int *rc)
{
	struct sw *sw = en->s.sw;
	char cs[64], file[200];

	*rc = BAIL;
	if (en->s.depth > MIME_MAX_DEPTH)
		return NULL;
	if (msg_is_p7m(m)) {
		struct cms *c;

		if (strcmp(m->cte, "base64") != 0 && strcmp(m->cte, "binary") != 0)
			return NULL;
		c = (struct cms *)cms_new(sw, en->s.depth);
		mime_param(m->ctype, "smime-type", c->hint, sizeof c->hint);
		*rc = 0;
		return strcmp(m->cte, "base64") == 0 ? b64_new(sw, &c->s) : &c->s;
	}
	if (strcmp(m->type, "multipart/signed") == 0) {
		char proto[128] = "";

		if (!mime_param(m->ctype, "protocol", proto, sizeof proto) ||
		    (strcasecmp(proto, "application/pkcs7-signature") != 0 &&
		     strcasecmp(proto, "application/x-pkcs7-signature") != 0))
			return NULL;
		return det_new(sw, m, en->s.depth, rc);
	}
	if (strcmp(m->type, "text/plain") == 0 && !msg_is_attachment(m, file, sizeof file) &&
	    !sw->have_text) {
		struct text *t;
		int qp = strcmp(m->cte, "quoted-printable") == 0;

		if (m->cte[0] && !qp && strcmp(m->cte, "7bit") != 0 &&
		    strcmp(m->cte, "8bit") != 0 && strcmp(m->cte, "binary") != 0 &&
		    strcmp(m->cte, "base64") != 0)
			return NULL;
		t = xcalloc(1, sizeof *t);
		t->s.ops = &text_ops, t->s.sw = sw, t->s.depth = en->s.depth;
		/* As mime_text_utf8: the charset named (UTF-8 and ASCII by
		 * iconv too, so that invalid bytes become '?'), else UTF-8. */
		if (!mime_param(m->ctype, "charset", cs, sizeof cs) || mime_charset_is_utf8(cs) ||
		    (t->cd = iconv_open("UTF-8", cs)) == (iconv_t)-1)
			t->cd = iconv_open("UTF-8", "UTF-8");
		if (t->cd == (iconv_t)-1) {
			free(t);
			return NULL;
		}
		sw->have_text = 1;
		msg_copy(sw->w.r->parts, sizeof sw->w.r->parts, "text/plain");
		*rc = 0;
		if (qp)
			return qp_new(sw, &t->s);
		return strcmp(m->cte, "base64") == 0 ? b64_new(sw, &t->s) : &t->s;
	}
	return NULL;
}

/* "Name:" (white space before the colon allowed), as mime_parse sees a
 * header field. */
static int
is_field(const unsigned char *q, size_t n)
{
	size_t i = 0, name;

	while (i < n && q[i] > 32 && q[i] < 127 && q[i] != ':')
		i++;
	name = i;
	while (i < n && (q[i] == ' ' || q[i] == '\t'))
		i++;
	return name > 0 && i < n && q[i] == ':';
}

static int
ent_head(struct ent *en, int last)
{
	struct stage *st = &en->s;
	struct mime_entity m;
	size_t hl = 0;
	int rc, found = 0;

	/* Line by line, as mime_parse reads a header block: it ends at a
	 * blank line, or at a line that is not a field (then, on the first
	 * line, there is no header block: all of it is body). */
	if (en->hdr.len == 0) {
		if (!last)
			return 0;
		found = 1; /* empty: no header block */
	}
	while (!found) {
		unsigned char *q = en->hdr.p + en->scan, *nl;
		size_t len;

		nl = memchr(q, '\n', en->hdr.len - en->scan);
		if (nl == NULL && !last)
			return 0;
		if (nl == NULL) /* the last line, without a line end */
			nl = en->hdr.p + en->hdr.len;
		len = (size_t)(nl - q);
		if (len > 0 && q[len - 1] == '\r')
			len--;
		if (len == 0) {
			hl = (size_t)(nl - en->hdr.p) + (nl < en->hdr.p + en->hdr.len);
			found = 1;
		} else if ((q[0] == ' ' || q[0] == '\t') ? en->scan == 0 : !is_field(q, len)) {
			if (en->top && en->scan == 0)
				return BAIL; /* msg_open says why */
			hl = en->scan;
			found = 1;
		} else if (nl == en->hdr.p + en->hdr.len) { /* all of it header lines */
			hl = en->hdr.len;
			found = 1;
		} else {
			en->scan = (size_t)(nl - en->hdr.p) + 1;
		}
	}
	if (hl == 0 && en->top)
		return BAIL; /* msg_open says why */
	if (hl == 0) {       /* no header block: text/plain, all body */
		memset(&m, 0, sizeof m);
		snprintf(m.type, sizeof m.type, "text/plain");
		m.has_headers = 0;
		goto dispatch;
	}
	if (mime_parse(en->hdr.p, hl, en->top ? MIME_MESSAGE : MIME_LENIENT, NULL, &m, NULL) != 0 ||
	    !m.has_headers) {
		mime_entity_free(&m);
		return BAIL;
	}
	if (en->top)
		msg_headers(&m, st->sw->w.r);
dispatch:
	en->child = ent_child(en, &m, &rc);
	mime_entity_free(&m);
	if (rc != 0)
		return rc;
	en->body = 1;
	{
		size_t rest = en->hdr.len - hl;
		unsigned char *tmp = rest ? xmemdup(en->hdr.p + hl, rest) : NULL;

		acc_free(&en->hdr);
		rc = put(en->child, tmp, rest);
		if (tmp != NULL)
			OPENSSL_clear_free(tmp, rest);
	}
	return rc;
}

static int
ent_put(struct stage *st, const unsigned char *p, size_t n)
{
	struct ent *en = (struct ent *)st;

	if (en->body)
		return put(en->child, p, n);
	if (acc_add(&en->hdr, p, n) != 0)
		return BAIL;
	return ent_head(en, 0);
}

static int
ent_end(struct stage *st)
{
	struct ent *en = (struct ent *)st;
	int rc;

	if (!en->body && (rc = ent_head(en, 1)) != 0)
		return rc;
	return en->body ? end(en->child) : BAIL;
}

static void
ent_free(struct stage *st)
{
	struct ent *en = (struct ent *)st;

	stage_free(en->child);
	acc_free(&en->hdr);
	free(en);
}

static const struct stage_ops ent_ops = {ent_put, ent_end, ent_free};

static struct stage *
entity_new(struct sw *sw, int depth, int top)
{
	struct ent *en = xcalloc(1, sizeof *en);

	en->s.ops = &ent_ops, en->s.sw = sw, en->s.depth = depth;
	en->top = top;
	en->hdr.max = HEAD_MAX;
	return &en->s;
}

/* --- the whole message --------------------------------------------------- */

int
msg_open_stream(const struct msg_ctx *ctx, msg_read_fn rd, void *arg, struct msg_report *r,
		struct err *e)
{
	struct sw sw = {0};
	struct stage *top;
	unsigned char *buf = xmalloc(CHUNK * 4);
	size_t got = 0, total = 0;
	int rc = 0;

	memset(r, 0, sizeof *r);
	sw.w.ctx = ctx, sw.w.r = r, sw.w.e = e;
	sw.text.max = MSG_TEXT_HELD + 1; /* and the terminating NUL */
	msg_load_own(&sw.w);
	top = entity_new(&sw, 0, 1);
	while (rc == 0) {
		if (rd(arg, buf, CHUNK * 4, &got, e) != 0) {
			rc = -1;
			break;
		}
		if (got == 0)
			break;
		total += got;
		rc = put(top, buf, got);
	}
	if (rc == 0)
		rc = total == 0 ? BAIL : end(top);
	stage_free(top);
	free(buf);
	if (rc == 0) {
		if (sw.have_text && acc_add(&sw.text, (const unsigned char *)"", 1) != 0) {
			err_set(e, "the message text could not be held in memory");
			rc = -1;
		} else if (sw.have_text) {
			r->text = (char *)xmemdup(sw.text.p, sw.text.len);
			r->more = sw.spool;
			sw.spool = NULL;
		} else if (r->parts[0] == '\0') {
			msg_copy(r->parts, sizeof r->parts, "the content could not be opened");
		}
		msg_classify(r);
	}
	acc_free(&sw.text);
	msg_spool_free(sw.spool);
	msg_free_walk(&sw.w);
	if (rc != 0) {
		ERR_clear_error();
		if (rc == BAIL)
			err_clear(e);
		msg_report_free(r);
	}
	return rc;
}
