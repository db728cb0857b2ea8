/* mime — the message syntax around S/MIME, tolerant of what clients send.
 * Entities and parts are slices of the caller's buffer: a 512 MiB message
 * is never copied here, only the parts someone decodes.
 *
 * This file holds the structure: header blocks and fields, parameters,
 * multipart boundaries, transfer encodings and the canonical form of a
 * part's bytes.  Text in other charsets, encoded-words and addresses are
 * in mime_text.c. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "mime.h"
#include "mime_int.h"
#include "xalloc.h"

/* --- small growing strings ----------------------------------------------- */

void
mime_sb_add(struct sbuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		char *s;

		while (cap < b->len + n + 1)
			cap *= 2;
		/* Not realloc: the old block may hold decrypted text. */
		s = xmalloc(cap);
		if (b->s != NULL) {
			memcpy(s, b->s, b->len);
			OPENSSL_clear_free(b->s, b->cap);
		}
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
mime_sb_ch(struct sbuf *b, char c)
{
	mime_sb_add(b, &c, 1);
}

char *
mime_sb_done(struct sbuf *b)
{
	if (b->s == NULL)
		mime_sb_add(b, "", 0);
	return b->s;
}

void
mime_trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i);
	s[n - i] = '\0';
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* --- the header block ---------------------------------------------------- */

/* Length of the line at `q` without its line end; *next is the next line. */
static size_t
line(const unsigned char *q, const unsigned char *end, const unsigned char **next)
{
	const unsigned char *nl = memchr(q, '\n', (size_t)(end - q));
	size_t n = (size_t)((nl ? nl : end) - q);

	*next = nl ? nl + 1 : end;
	if (n > 0 && q[n - 1] == '\r')
		n--;
	return n;
}

/* Length of the field name when the line is "Name:" (obsolete white space
 * before the colon allowed), else 0. */
static size_t
field_name(const unsigned char *q, size_t n)
{
	size_t i = 0, name;

	while (i < n && q[i] > 32 && q[i] < 127 && q[i] != ':')
		i++;
	name = i;
	while (i < n && (q[i] == ' ' || q[i] == '\t'))
		i++;
	return name > 0 && i < n && q[i] == ':' ? name : 0;
}

int
mime_parse(const unsigned char *p, size_t n, enum mime_strict strict, const char *deftype,
	   struct mime_entity *m, struct err *e)
{
	const unsigned char *q = p, *end = p + n, *next;
	int first = 1;
	char *v;

	memset(m, 0, sizeof *m);
	m->raw = p;
	m->raw_len = n;
	if (strict && n == 0)
		return err_set(e, "the file is empty: it is not a mail message");
	if (strict && n >= 5 && memcmp(p, "From ", 5) == 0)
		line(p, end, &q); /* the mbox separator a mail store adds */
	m->hdr = q;
	m->body = end;
	while (q < end) {
		size_t len = line(q, end, &next);

		if (len == 0) {
			m->body = next;
			break;
		}
		if ((q[0] == ' ' || q[0] == '\t') ? first : !field_name(q, len)) {
			if (first)
				break;
			m->body = q; /* a broken header block ends here */
			break;
		}
		first = 0;
		q = next;
	}
	m->hdr_len = (size_t)(q - m->hdr);
	m->has_headers = !first;
	if (m->has_headers && memchr(m->hdr, '\0', m->hdr_len) != NULL) {
		if (strict)
			return err_set(e,
				       "the file has NUL bytes in its header lines: it is not a mail message");
		m->has_headers = 0;
	}
	if (!m->has_headers) {
		if (strict)
			return err_set(e,
				       "the file does not start with header lines (From:, To:, Subject: ...): it is not a mail message");
		m->hdr_len = 0;
		m->body = p;
	}
	m->body_len = (size_t)(end - m->body);
	snprintf(m->type, sizeof m->type, "%s", deftype ? deftype : "text/plain");
	if ((m->ctype = mime_header(m, "Content-Type")) != NULL) {
		char t[sizeof m->type];
		size_t k = strcspn(m->ctype, ";");
		const char *slash;

		snprintf(t, sizeof t, "%.*s", (int)(k < sizeof t ? k : sizeof t - 1), m->ctype);
		mime_trim(t);
		lower(t);
		slash = strchr(t, '/');
		if (slash && slash > t && slash[1] && strcspn(t, " \t\"()<>@,:\\[]?=") == strlen(t))
			memcpy(m->type, t, sizeof t);
	}
	if ((v = mime_header(m, "Content-Transfer-Encoding")) != NULL) {
		snprintf(m->cte, sizeof m->cte, "%.*s", (int)strcspn(v, " \t;("), v);
		lower(m->cte);
		free(v);
	}
	m->cdisp = mime_header(m, "Content-Disposition");
	return 0;
}

void
mime_entity_free(struct mime_entity *m)
{
	free(m->ctype);
	free(m->cdisp);
	m->ctype = m->cdisp = NULL;
}

size_t
mime_header_count(const struct mime_entity *m, const char *name)
{
	const unsigned char *q = m->hdr, *end = m->hdr + m->hdr_len, *next;
	size_t want = strlen(name), n = 0;

	for (; q < end; q = next) {
		size_t len = line(q, end, &next), k = field_name(q, len);

		n += k == want && strncasecmp((const char *)q, name, k) == 0;
	}
	return n;
}

char *
mime_header(const struct mime_entity *m, const char *name)
{
	const unsigned char *q = m->hdr, *end = m->hdr + m->hdr_len, *next;
	size_t want = strlen(name);

	while (q < end) {
		size_t len = line(q, end, &next), k = field_name(q, len);
		struct sbuf b = {0};

		if (k != want || strncasecmp((const char *)q, name, k) != 0) {
			q = next;
			continue;
		}
		k = (size_t)((const unsigned char *)memchr(q, ':', len) - q) + 1;
		mime_sb_add(&b, q + k, len - k < MIME_MAX_HEADER ? len - k : MIME_MAX_HEADER);
		for (q = next; q < end && (*q == ' ' || *q == '\t'); q = next) {
			len = line(q, end, &next);
			if (b.len + len < MIME_MAX_HEADER)
				mime_sb_add(&b, q, len); /* unfold: drop the line end only */
		}
		if (b.len > MIME_MAX_HEADER)
			b.s[b.len = MIME_MAX_HEADER] = '\0';
		mime_trim(mime_sb_done(&b));
		return b.s;
	}
	return NULL;
}

int
mime_is(const struct mime_entity *m, const char *major)
{
	size_t n = strlen(major);

	return strncmp(m->type, major, n) == 0 && m->type[n] == '/';
}

/* --- parameters ---------------------------------------------------------- */

int
mime_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One parameter value at *s (token or quoted string), unescaped, in `b`. */
static const char *
param_value(const char *s, struct sbuf *b)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			mime_sb_ch(b, *s);
		}
		return *s ? s + 1 : s;
	}
	while (*s && *s != ';' && *s != ' ' && *s != '\t')
		mime_sb_ch(b, *s++);
	return s;
}

/* RFC 2231 section of an extended value: %XX decoding into `b`; the first
 * section starts with charset'language'. */
static void
pct_decode(const char *v, int first, struct sbuf *b, char *charset, size_t cslen)
{
	if (first) {
		const char *q1 = strchr(v, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;

		if (q2 != NULL) {
			snprintf(charset, cslen, "%.*s", (int)(q1 - v), v);
			v = q2 + 1;
		}
	}
	for (; *v; v++) {
		int h, l;

		if (*v == '%' && (h = mime_hexval((unsigned char)v[1])) >= 0 &&
		    (l = mime_hexval((unsigned char)v[2])) >= 0) {
			mime_sb_ch(b, (char)(h * 16 + l));
			v += 2;
		} else {
			mime_sb_ch(b, *v);
		}
	}
}

#define MAX_SECTIONS 32

int
mime_param(const char *value, const char *name, char *out, size_t len)
{
	struct sbuf simple = {0}, sect[MAX_SECTIONS] = {{0}}, joined = {0};
	int have_simple = 0, ext[MAX_SECTIONS] = {0}, have[MAX_SECTIONS] = {0};
	size_t nlen = strlen(name);
	char charset[64] = "";
	const char *s = value ? strchr(value, ';') : NULL;
	int found = 0;

	while (s != NULL && *s) {
		char attr[96];
		size_t k;
		struct sbuf v = {0};

		while (*s == ';' || *s == ' ' || *s == '\t')
			s++;
		k = strcspn(s, "=;");
		if (s[k] != '=') {
			s += k;
			continue;
		}
		snprintf(attr, sizeof attr, "%.*s", (int)(k < sizeof attr ? k : sizeof attr - 1),
			 s);
		mime_trim(attr);
		s = param_value(s + k + 1, &v);
		s += strcspn(s, ";");
		mime_sb_done(&v);
		if (strncasecmp(attr, name, nlen) != 0) {
			free(v.s);
			continue;
		}
		if (attr[nlen] == '\0' && !have_simple) {
			simple = v, have_simple = 1;
			continue;
		}
		if (attr[nlen] == '*') {
			char *endp;
			long idx = attr[nlen + 1] == '\0' ? 0 : strtol(attr + nlen + 1, &endp, 10);
			int is_ext = attr[nlen + 1] == '\0' || *endp == '*';

			if (attr[nlen + 1] != '\0' &&
			    (endp == attr + nlen + 1 || (*endp && strcmp(endp, "*") != 0)))
				idx = -1;
			if (idx >= 0 && idx < MAX_SECTIONS && !have[idx]) {
				sect[idx] = v, have[idx] = 1, ext[idx] = is_ext;
				continue;
			}
		}
		free(v.s);
	}
	if (have[0]) {
		for (int i = 0; i < MAX_SECTIONS && have[i]; i++) {
			if (ext[i])
				pct_decode(sect[i].s, i == 0, &joined, charset, sizeof charset);
			else
				mime_sb_add(&joined, sect[i].s, sect[i].len);
		}
		{
			char *u = mime_text_utf8((unsigned char *)mime_sb_done(&joined), joined.len,
						 charset[0] ? charset : NULL);

			snprintf(out, len, "%s", u);
			free(u);
		}
		found = 1;
	} else if (have_simple) {
		char *u = strstr(simple.s, "=?") ? mime_decode_words(simple.s) : NULL;

		snprintf(out, len, "%s", u ? u : simple.s);
		free(u);
		found = 1;
	}
	free(simple.s);
	free(joined.s);
	for (int i = 0; i < MAX_SECTIONS; i++)
		free(sect[i].s);
	return found;
}

/* --- multipart ----------------------------------------------------------- */

/* The next delimiter line at or after `from`: its start, and in *after the
 * start of the following line.  NULL when there is none. */
static const unsigned char *
find_delim(const struct mime_iter *it, const unsigned char *from, const unsigned char **after,
	   int *close)
{
	const unsigned char *s = from, *end = it->end;

	while (s < end) {
		const unsigned char *hit = memmem(s, (size_t)(end - s), it->delim, it->dlen);
		const unsigned char *q;

		if (hit == NULL)
			return NULL;
		q = hit + it->dlen;
		if (hit == it->start || hit[-1] == '\n') {
			*close = end - q >= 2 && q[0] == '-' && q[1] == '-';
			if (*close)
				q += 2;
			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if (q == end || *q == '\n' ||
			    (*q == '\r' && (q + 1 == end || q[1] == '\n'))) {
				if (q < end && *q == '\r')
					q++;
				if (q < end && *q == '\n')
					q++;
				*after = q;
				return hit;
			}
		}
		s = hit + 1;
	}
	return NULL;
}

int
mime_parts_begin(const struct mime_entity *m, struct mime_iter *it)
{
	char b[MIME_MAX_BOUNDARY + 1];
	const unsigned char *after;
	int close;

	memset(it, 0, sizeof *it);
	if (m->ctype == NULL || !mime_param(m->ctype, "boundary", b, sizeof b) || b[0] == '\0' ||
	    strlen(b) >= MIME_MAX_BOUNDARY)
		return -1;
	it->dlen = (size_t)snprintf(it->delim, sizeof it->delim, "--%s", b);
	it->start = m->body;
	it->end = m->body + m->body_len;
	if (find_delim(it, it->start, &after, &close) == NULL || close) {
		it->done = 1; /* no parts at all */
		it->closed = close;
		return 0;
	}
	it->p = after;
	return 0;
}

int
mime_parts_next(struct mime_iter *it, const unsigned char **part, size_t *len)
{
	const unsigned char *hit, *after, *stop;
	int close;

	if (it->done)
		return 0;
	hit = find_delim(it, it->p, &after, &close);
	if (hit == NULL) {
		/* No final delimiter: the part runs to the end. */
		*part = it->p;
		*len = (size_t)(it->end - it->p);
		it->done = 1;
		it->count++;
		return 1;
	}
	stop = hit;
	if (stop > it->p && stop[-1] == '\n')
		stop--;
	if (stop > it->p && stop[-1] == '\r')
		stop--;
	*part = it->p;
	*len = (size_t)(stop - it->p);
	it->p = after;
	it->count++;
	if (close)
		it->done = it->closed = 1;
	return 1;
}

/* --- transfer encodings -------------------------------------------------- */

static signed char
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (signed char)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (signed char)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (signed char)(c - '0' + 52);
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* The bytes of a partial quantum (2 or 3 characters) into out. */
static size_t
b64_flush(unsigned long acc, int k, unsigned char *out, size_t *bad)
{
	if (k == 2) {
		out[0] = (unsigned char)(acc >> 4);
		return 1;
	}
	if (k == 3) {
		out[0] = (unsigned char)(acc >> 10);
		out[1] = (unsigned char)(acc >> 2);
		return 2;
	}
	if (k == 1)
		(*bad)++;
	return 0;
}

size_t
mime_b64_decode(const unsigned char *in, size_t n, unsigned char *out, size_t *junk)
{
	unsigned long acc = 0;
	size_t o = 0, bad = 0;
	int k = 0;

	for (size_t i = 0; i < n; i++) {
		signed char v = b64val(in[i]);

		if (v < 0) {
			if (in[i] == '=') { /* padding ends a quantum */
				o += b64_flush(acc, k, out + o, &bad);
				k = 0, acc = 0;
			} else if (!isspace(in[i])) {
				bad++;
			}
			continue;
		}
		acc = (acc << 6) | (unsigned long)v;
		if (++k == 4) {
			out[o++] = (unsigned char)(acc >> 16);
			out[o++] = (unsigned char)(acc >> 8);
			out[o++] = (unsigned char)acc;
			k = 0, acc = 0;
		}
	}
	/* Missing padding: the bytes of a partial quantum still count. */
	o += b64_flush(acc, k, out + o, &bad);
	if (junk != NULL)
		*junk = bad;
	return o;
}

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

size_t
mime_qp_step(const unsigned char *in, size_t n, int last, unsigned char *out, size_t *olen)
{
	size_t o = 0, i = 0;

	while (i < n) {
		unsigned char c = in[i];

		if (c == '=') {
			int h, l;
			size_t j = i + 1;

			if (!last && i + 2 >= n)
				break; /* "=XY" or "=" and a line end: not known yet */
			h = i + 1 < n ? mime_hexval(in[i + 1]) : -1;
			l = i + 2 < n ? mime_hexval(in[i + 2]) : -1;
			if (h >= 0 && l >= 0) {
				out[o++] = (unsigned char)(h * 16 + l);
				i += 3;
				continue;
			}
			/* A soft line break: "=", optional white space, line end. */
			while (j < n && is_blank(in[j]))
				j++;
			if (!last && (j == n || (in[j] == '\r' && j + 1 == n)))
				break;
			if (j == n || in[j] == '\n' ||
			    (in[j] == '\r' && j + 1 < n && in[j + 1] == '\n')) {
				i = j == n ? n : j + (in[j] == '\r' ? 2 : 1);
				continue;
			}
			out[o++] = c; /* not an escape: keep it */
			i++;
			continue;
		}
		if (is_blank(c)) {
			/* Trailing white space on a line was added in transport. */
			size_t j = i;

			while (j < n && is_blank(in[j]))
				j++;
			if (!last && j == n)
				break;
			if (j == n || in[j] == '\n' || in[j] == '\r') {
				i = j;
				continue;
			}
		}
		out[o++] = c;
		i++;
	}
	*olen = o;
	return i;
}

size_t
mime_qp_decode(const unsigned char *in, size_t n, unsigned char *out)
{
	size_t o;

	mime_qp_step(in, n, 1, out, &o);
	return o;
}

void
mime_decode_body(const struct mime_entity *m, struct mime_data *d)
{
	memset(d, 0, sizeof *d);
	d->p = m->body;
	d->len = m->body_len;
	if (strcmp(m->cte, "base64") == 0) {
		d->owned = xmalloc(m->body_len / 4 * 3 + 3);
		d->len = mime_b64_decode(m->body, m->body_len, d->owned, &d->junk);
		d->p = d->owned;
	} else if (strcmp(m->cte, "quoted-printable") == 0) {
		d->owned = xmalloc(m->body_len + 1);
		d->len = mime_qp_decode(m->body, m->body_len, d->owned);
		d->p = d->owned;
	}
}

void
mime_data_free(struct mime_data *d)
{
	if (d->owned != NULL)
		OPENSSL_clear_free(d->owned, d->len);
	memset(d, 0, sizeof *d);
}

void
mime_canon(const unsigned char *p, size_t n, unsigned char **out, size_t *outlen)
{
	size_t bare = 0, o = 0;

	for (size_t i = 0; i < n; i++)
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			bare++;
	*out = NULL;
	*outlen = n;
	if (bare == 0)
		return;
	*out = xmalloc(n + bare);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			(*out)[o++] = '\r';
		(*out)[o++] = p[i];
	}
	*outlen = o;
}
