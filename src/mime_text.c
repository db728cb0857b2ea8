/* mime_text — the human-readable parts of a message: text in any charset
 * (through iconv) as UTF-8 with LF line ends, RFC 2047 encoded-words in
 * header values, and the bare addresses and display name of an address
 * list.  The structure around them is parsed in mime.c. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "mime.h"
#include "mime_int.h"
#include "xalloc.h"

/* --- text ---------------------------------------------------------------- */

int
mime_charset_is_utf8(const char *cs)
{
	static const char *const same[] = {"utf-8", "utf8",           "us-ascii",
					   "ascii", "ansi_x3.4-1968", ""};

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

		mime_sb_add(b, chunk, (size_t)(o - chunk));
		if (r == (size_t)-1 && errno != E2BIG) {
			mime_sb_ch(b, '?');
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
	if (charset == NULL || mime_charset_is_utf8(charset))
		charset = "UTF-8";
	if (convert(p, n, charset, &b) != 0 && convert(p, n, "UTF-8", &b) != 0) {
		if (b.s != NULL)
			OPENSSL_clear_free(b.s, b.cap);
		b.s = NULL, b.len = b.cap = 0;
		mime_sb_add(&b, p, n);
	}
	mime_sb_done(&b);
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
	raw = xmalloc(n + 3);
	if (enc == 'B') {
		rawlen = mime_b64_decode((const unsigned char *)txt, n, raw, NULL);
	} else {
		for (size_t i = 0; i < n; i++) {
			int h, l;

			if (txt[i] == '_')
				raw[rawlen++] = ' ';
			else if (txt[i] == '=' && i + 2 < n &&
				 (h = mime_hexval((unsigned char)txt[i + 1])) >= 0 &&
				 (l = mime_hexval((unsigned char)txt[i + 2])) >= 0) {
				raw[rawlen++] = (unsigned char)(h * 16 + l);
				i += 2;
			} else
				raw[rawlen++] = (unsigned char)txt[i];
		}
	}
	{
		char *u = mime_text_utf8(raw, rawlen, charset);

		/* A header field is one line: a line break encoded in a word
		 * (which could fake a line of padseal's report) is a space. */
		for (char *p = u; *p; p++)
			if (*p == '\r' || *p == '\n' || *p == '\t')
				*p = ' ';
		mime_sb_add(b, u, strlen(u));
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
					mime_sb_add(&b, ws, (size_t)(s - ws));
				mime_sb_add(&b, w.s, w.len);
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
			mime_sb_add(&b, ws, (size_t)(s - ws));
		ws = NULL, after_word = 0;
		mime_sb_ch(&b, *s++);
	}
	if (ws != NULL)
		mime_sb_add(&b, ws, (size_t)(s - ws));
	return mime_sb_done(&b);
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

		mime_sb_add(addr, lt + 1, n);
		mime_sb_done(addr);
		if ((colon = strrchr(addr->s, ':')) != NULL) /* obsolete route */
			memmove(addr->s, colon + 1, strlen(colon));
		for (const char *q = s; q < lt; q++) {
			if (*q == '\\' && q + 1 < lt)
				mime_sb_ch(name, *++q);
			else if (*q != '"')
				mime_sb_ch(name, *q);
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
				mime_sb_ch(name, *q);
			} else if (*q != '"' && !isspace((unsigned char)*q)) {
				mime_sb_ch(addr, *q);
			}
		}
	}
	mime_sb_done(addr);
	mime_sb_done(name);
	mime_trim(addr->s);
	mime_trim(name->s);
}

size_t
mime_addresses(const char *value, char *out, size_t len, char *name, size_t namelen)
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
				mime_sb_ch(&cur, *q++);
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
			mime_sb_ch(&cur, c);
			continue;
		}
		if (cur.len > 0) {
			struct sbuf a = {0}, n = {0};

			mailbox(mime_sb_done(&cur), &a, &n);
			if (strchr(a.s, '@') != NULL) {
				if (count++ > 0)
					mime_sb_add(&all, ", ", 2);
				mime_sb_add(&all, a.s, a.len ? strlen(a.s) : 0);
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
