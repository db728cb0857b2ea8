/* mime — the message syntax around S/MIME, tolerant of what clients send.
 * Entities and parts are slices of the caller's buffer: a 512 MiB message
 * is never copied here, only the parts someone decodes. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "mime.h"

/* --- small growing strings ----------------------------------------------- */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void
sb_add(struct sbuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		char *s;

		while (cap < b->len + n + 1)
			cap *= 2;
		/* Not realloc: the old block may hold decrypted text. */
		if ((s = malloc(cap)) == NULL)
			abort();
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

static void
sb_ch(struct sbuf *b, char c)
{
	sb_add(b, &c, 1);
}

static char *
sb_done(struct sbuf *b)
{
	if (b->s == NULL)
		sb_add(b, "", 0);
	return b->s;
}

static void
trim(char *s)
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
line(const unsigned char *q, const unsigned char *end,
     const unsigned char **next)
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
mime_parse(const unsigned char *p, size_t n, enum mime_strict strict,
	   const char *deftype, struct mime_entity *m, struct err *e)
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
			return err_set(e, "the file has NUL bytes in its header lines: it is not a mail message");
		m->has_headers = 0;
	}
	if (!m->has_headers) {
		if (strict)
			return err_set(e, "the file does not start with header lines (From:, To:, Subject: ...): it is not a mail message");
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
		trim(t);
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
		sb_add(&b, q + k, len - k < MIME_MAX_HEADER ? len - k : MIME_MAX_HEADER);
		for (q = next; q < end && (*q == ' ' || *q == '\t'); q = next) {
			len = line(q, end, &next);
			if (b.len + len < MIME_MAX_HEADER)
				sb_add(&b, q, len); /* unfold: drop the line end only */
		}
		if (b.len > MIME_MAX_HEADER)
			b.s[b.len = MIME_MAX_HEADER] = '\0';
		trim(sb_done(&b));
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

static int
hexval(int c)
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
			sb_ch(b, *s);
		}
		return *s ? s + 1 : s;
	}
	while (*s && *s != ';' && *s != ' ' && *s != '\t')
		sb_ch(b, *s++);
	return s;
}

/* RFC 2231 section of an extended value: %XX decoding into `b`; the first
 * section starts with charset'language'. */
static void
pct_decode(const char *v, int first, struct sbuf *b, char *charset,
	   size_t cslen)
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

		if (*v == '%' && (h = hexval((unsigned char)v[1])) >= 0 &&
		    (l = hexval((unsigned char)v[2])) >= 0) {
			sb_ch(b, (char)(h * 16 + l));
			v += 2;
		} else {
			sb_ch(b, *v);
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
		snprintf(attr, sizeof attr, "%.*s", (int)(k < sizeof attr ? k : sizeof attr - 1), s);
		trim(attr);
		s = param_value(s + k + 1, &v);
		s += strcspn(s, ";");
		sb_done(&v);
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

			if (attr[nlen + 1] != '\0' && (endp == attr + nlen + 1 || (*endp && strcmp(endp, "*") != 0)))
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
				sb_add(&joined, sect[i].s, sect[i].len);
		}
		{
			char *u = mime_text_utf8((unsigned char *)sb_done(&joined), joined.len,
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
find_delim(const struct mime_iter *it, const unsigned char *from,
	   const unsigned char **after, int *close)
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
			if (q == end || *q == '\n' || (*q == '\r' && (q + 1 == end || q[1] == '\n'))) {
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
mime_b64_decode(const unsigned char *in, size_t n, unsigned char *out,
		size_t *junk)
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

size_t
mime_qp_decode(const unsigned char *in, size_t n, unsigned char *out)
{
	size_t o = 0, i = 0;

	while (i < n) {
		unsigned char c = in[i];

		if (c == '=') {
			int h = i + 1 < n ? hexval(in[i + 1]) : -1;
			int l = i + 2 < n ? hexval(in[i + 2]) : -1;
			size_t j = i + 1;

			if (h >= 0 && l >= 0) {
				out[o++] = (unsigned char)(h * 16 + l);
				i += 3;
				continue;
			}
			/* A soft line break: "=", optional white space, line end. */
			while (j < n && (in[j] == ' ' || in[j] == '\t'))
				j++;
			if (j == n || in[j] == '\n' || (in[j] == '\r' && j + 1 < n && in[j + 1] == '\n')) {
				i = j == n ? n : j + (in[j] == '\r' ? 2 : 1);
				continue;
			}
			out[o++] = c; /* not an escape: keep it */
			i++;
			continue;
		}
		if (c == ' ' || c == '\t') {
			/* Trailing white space on a line was added in transport. */
			size_t j = i;

			while (j < n && (in[j] == ' ' || in[j] == '\t'))
				j++;
			if (j == n || in[j] == '\n' || in[j] == '\r') {
				i = j;
				continue;
			}
		}
		out[o++] = c;
		i++;
	}
	return o;
}

void
mime_decode_body(const struct mime_entity *m, struct mime_data *d)
{
	memset(d, 0, sizeof *d);
	d->p = m->body;
	d->len = m->body_len;
	if (strcmp(m->cte, "base64") == 0) {
		if ((d->owned = malloc(m->body_len / 4 * 3 + 3)) == NULL)
			abort();
		d->len = mime_b64_decode(m->body, m->body_len, d->owned, &d->junk);
		d->p = d->owned;
	} else if (strcmp(m->cte, "quoted-printable") == 0) {
		if ((d->owned = malloc(m->body_len + 1)) == NULL)
			abort();
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
mime_canon(const unsigned char *p, size_t n, unsigned char **out,
	   size_t *outlen)
{
	size_t bare = 0, o = 0;

	for (size_t i = 0; i < n; i++)
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			bare++;
	*out = NULL;
	*outlen = n;
	if (bare == 0)
		return;
	if ((*out = malloc(n + bare)) == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			(*out)[o++] = '\r';
		(*out)[o++] = p[i];
	}
	*outlen = o;
}

/* --- text ---------------------------------------------------------------- */

static int
is_utf8_name(const char *cs)
{
	static const char *const same[] = {"utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968", ""};

	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
		if (strcasecmp(cs, same[i]) == 0)
			return 1;
	return 0;
}

/* Convert with iconv; bytes it cannot convert become '?'. */
static int
convert(const unsigned char *p, size_t n, const char *charset, struct sbuf *b)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	char *in = (char *)(uintptr_t)p, chunk[4096];
	size_t left = n;

	if (cd == (iconv_t)-1)
		return -1;
	while (left > 0) {
		char *o = chunk;
		size_t room = sizeof chunk;
		size_t r = iconv(cd, &in, &left, &o, &room);

		sb_add(b, chunk, (size_t)(o - chunk));
		if (r == (size_t)-1 && errno != E2BIG) {
			sb_ch(b, '?');
			in++, left--;
		}
	}
	OPENSSL_cleanse(chunk, sizeof chunk);
	iconv_close(cd);
	return 0;
}

char *
mime_text_utf8(const unsigned char *p, size_t n, const char *charset)
{
	struct sbuf b = {0};
	size_t o = 0;

	/* UTF-8 (and ASCII, often mislabelled) is run through iconv too, so
	 * that invalid sequences come out as '?' and the result is UTF-8. */
	if (charset == NULL || is_utf8_name(charset))
		charset = "UTF-8";
	if (convert(p, n, charset, &b) != 0 && convert(p, n, "UTF-8", &b) != 0) {
		if (b.s != NULL)
			OPENSSL_clear_free(b.s, b.cap);
		b.s = NULL, b.len = b.cap = 0;
		sb_add(&b, p, n);
	}
	sb_done(&b);
	/* CRLF and lone CR become LF; NUL would end the string early. */
	for (size_t i = 0; i < b.len; i++) {
		char c = b.s[i];

		if (c == '\r') {
			if (i + 1 < b.len && b.s[i + 1] == '\n')
				continue;
			c = '\n';
		} else if (c == '\0') {
			c = '?';
		}
		b.s[o++] = c;
	}
	if (o < b.len)
		OPENSSL_cleanse(b.s + o, b.len - o);
	b.s[o] = '\0';
	return b.s;
}

/* One encoded-word at s ("=?charset?B?text?="): decoded into `b`, the end
 * in *end.  0 when it is not a well-formed encoded-word. */
static int
encoded_word(const char *s, struct sbuf *b, const char **end)
{
	const char *cs = s + 2, *q1 = strchr(cs, '?'), *txt, *stop;
	char charset[64], *star;
	unsigned char *raw;
	size_t n, rawlen = 0;
	int enc;

	if (q1 == NULL || q1 == cs || (size_t)(q1 - cs) >= sizeof charset || !q1[1] || q1[2] != '?')
		return 0;
	enc = toupper((unsigned char)q1[1]);
	txt = q1 + 3;
	if ((enc != 'B' && enc != 'Q') || (stop = strstr(txt, "?=")) == NULL)
		return 0;
	if (memchr(txt, ' ', (size_t)(stop - txt)) != NULL)
		return 0;
	snprintf(charset, sizeof charset, "%.*s", (int)(q1 - cs), cs);
	if ((star = strchr(charset, '*')) != NULL)
		*star = '\0'; /* RFC 2231 language tag */
	n = (size_t)(stop - txt);
	if ((raw = malloc(n + 3)) == NULL)
		abort();
	if (enc == 'B') {
		rawlen = mime_b64_decode((const unsigned char *)txt, n, raw, NULL);
	} else {
		for (size_t i = 0; i < n; i++) {
			int h, l;

			if (txt[i] == '_')
				raw[rawlen++] = ' ';
			else if (txt[i] == '=' && i + 2 < n &&
				 (h = hexval((unsigned char)txt[i + 1])) >= 0 &&
				 (l = hexval((unsigned char)txt[i + 2])) >= 0) {
				raw[rawlen++] = (unsigned char)(h * 16 + l);
				i += 2;
			} else
				raw[rawlen++] = (unsigned char)txt[i];
		}
	}
	{
		char *u = mime_text_utf8(raw, rawlen, charset);

		sb_add(b, u, strlen(u));
		free(u);
	}
	free(raw);
	*end = stop + 2;
	return 1;
}

char *
mime_decode_words(const char *in)
{
	struct sbuf b = {0};
	const char *s = in, *ws = NULL, *end;
	int after_word = 0;

	while (*s) {
		if (s[0] == '=' && s[1] == '?') {
			struct sbuf w = {0};

			if (encoded_word(s, &w, &end)) {
				/* White space between two encoded-words is dropped. */
				if (ws != NULL && !after_word)
					sb_add(&b, ws, (size_t)(s - ws));
				sb_add(&b, w.s, w.len);
				free(w.s);
				ws = NULL, after_word = 1, s = end;
				continue;
			}
			free(w.s);
		}
		if (*s == ' ' || *s == '\t') {
			if (ws == NULL)
				ws = s;
			s++;
			continue;
		}
		if (ws != NULL)
			sb_add(&b, ws, (size_t)(s - ws));
		ws = NULL, after_word = 0;
		sb_ch(&b, *s++);
	}
	if (ws != NULL)
		sb_add(&b, ws, (size_t)(s - ws));
	return sb_done(&b);
}

/* --- addresses ----------------------------------------------------------- */

/* The bare address and display name of one mailbox `s`. */
static void
mailbox(const char *s, struct sbuf *addr, struct sbuf *name)
{
	int quote = 0, depth = 0;
	const char *lt = NULL;

	for (const char *q = s; *q; q++) {
		if (quote) {
			if (*q == '\\' && q[1])
				q++;
			else if (*q == '"')
				quote = 0;
		} else if (*q == '"' && depth == 0) {
			quote = 1;
		} else if (*q == '(') {
			depth++;
		} else if (*q == ')' && depth > 0) {
			depth--;
		} else if (*q == '<' && depth == 0) {
			lt = q;
			break;
		}
	}
	if (lt != NULL) {
		const char *gt = strchr(lt, '>'), *colon;
		size_t n = gt ? (size_t)(gt - lt - 1) : strlen(lt + 1);

		sb_add(addr, lt + 1, n);
		sb_done(addr);
		if ((colon = strrchr(addr->s, ':')) != NULL) /* obsolete route */
			memmove(addr->s, colon + 1, strlen(colon));
		for (const char *q = s; q < lt; q++) {
			if (*q == '\\' && q + 1 < lt)
				sb_ch(name, *++q);
			else if (*q != '"')
				sb_ch(name, *q);
		}
	} else {
		/* addr-spec with comments: "u@x (User)" */
		depth = 0;
		for (const char *q = s; *q; q++) {
			if (*q == '(') {
				depth++;
			} else if (*q == ')' && depth > 0) {
				depth--;
			} else if (depth > 0) {
				sb_ch(name, *q);
			} else if (*q != '"' && !isspace((unsigned char)*q)) {
				sb_ch(addr, *q);
			}
		}
	}
	sb_done(addr);
	sb_done(name);
	trim(addr->s);
	trim(name->s);
}

size_t
mime_addresses(const char *value, char *out, size_t len, char *name,
	       size_t namelen)
{
	struct sbuf cur = {0}, all = {0};
	size_t count = 0;
	int quote = 0, depth = 0, angle = 0;

	if (len > 0)
		out[0] = '\0';
	if (name != NULL && namelen > 0)
		name[0] = '\0';
	for (const char *q = value;; q++) {
		char c = *q;
		int sep = c == '\0';

		if (!sep && quote) {
			if (c == '\\' && q[1])
				sb_ch(&cur, *q++);
			else if (c == '"')
				quote = 0;
		} else if (!sep) {
			if (c == '"' && depth == 0)
				quote = 1;
			else if (c == '(')
				depth++;
			else if (c == ')' && depth > 0)
				depth--;
			else if (c == '<' && depth == 0)
				angle = 1;
			else if (c == '>' && depth == 0)
				angle = 0;
			else if (depth == 0 && !angle && (c == ',' || c == ';'))
				sep = 1;
			else if (depth == 0 && !angle && c == ':') {
				cur.len = 0; /* a group's name: its members follow */
				if (cur.s)
					cur.s[0] = '\0';
				continue;
			}
		}
		if (!sep) {
			sb_ch(&cur, c);
			continue;
		}
		if (cur.len > 0) {
			struct sbuf a = {0}, n = {0};

			mailbox(sb_done(&cur), &a, &n);
			if (strchr(a.s, '@') != NULL) {
				if (count++ > 0)
					sb_add(&all, ", ", 2);
				sb_add(&all, a.s, a.len ? strlen(a.s) : 0);
				if (count == 1 && name != NULL && namelen > 0) {
					char *d = mime_decode_words(n.s);

					snprintf(name, namelen, "%s", d);
					free(d);
				}
			}
			free(a.s);
			free(n.s);
			cur.len = 0;
			cur.s[0] = '\0';
		}
		if (c == '\0')
			break;
	}
	snprintf(out, len, "%s", all.s ? all.s : "");
	free(cur.s);
	free(all.s);
	return count;
}
