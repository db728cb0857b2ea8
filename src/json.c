#include "config.h"

#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "json.h"
#include "safetext.h"

/* Bytes a JSON string cannot hold as they are, or that start a character
 * that needs a look (every byte from 0x80: C1 and bidi controls are
 * escaped, invalid UTF-8 becomes U+FFFD). */
static const unsigned char escape[256] = {
	[0 ... 0x1f] = 1, /* NUL too: it ends the fast scans */
	['"'] = 1,
	['\\'] = 1,
	[0x7f ... 0xff] = 1,
};

/* How many bytes at the start of s[0..n) need no escape: sixteen at a
 * time where the machine has SSE2 (a large home's lists write megabytes
 * of strings). */
static size_t
plain_len(const char *s, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i lo = _mm_set1_epi8(0x1f), hi = _mm_set1_epi8(0x7f);
	const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');

	while (n - i >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		/* Signed: bytes from 0x80 are below 0x1f. */
		__m128i ok = _mm_and_si128(_mm_cmpgt_epi8(x, lo), _mm_cmplt_epi8(x, hi));
		__m128i no = _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bs));

		if (_mm_movemask_epi8(_mm_andnot_si128(no, ok)) != 0xffff)
			break;
		i += 16;
	}
#endif
	while (i < n && !escape[(unsigned char)s[i]])
		i++;
	return i;
}

/* The character at p (escape[*p] is set) takes *k bytes: its escape into
 * out, and the escape's length; 0 when it stays as it is (a character of
 * valid UTF-8 that is neither a C1 nor a bidi control). */
static size_t
escape_at(const unsigned char *p, size_t left, size_t *k, char out[8])
{
	long cp;

	*k = 1;
	if (*p >= 0x80) {
		*k = safetext_next((const char *)p, strnlen((const char *)p, left < 4 ? left : 4),
				   &cp);
		if (cp < 0)
			return (size_t)snprintf(out, 8, "\\ufffd");
		return safetext_hidden(cp, 0) ? (size_t)snprintf(out, 8, "\\u%04lx", cp) : 0;
	}
	switch (*p) {
	case '"': memcpy(out, "\\\"", 2); return 2;
	case '\\': memcpy(out, "\\\\", 2); return 2;
	case '\n': memcpy(out, "\\n", 2); return 2;
	case '\r': memcpy(out, "\\r", 2); return 2;
	case '\t': memcpy(out, "\\t", 2); return 2;
	default: return (size_t)snprintf(out, 8, "\\u%04x", *p);
	}
}

void
json_str(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs_unlocked("null", f);
		return;
	}
	putc_unlocked('"', f);
	json_str_part(f, s, strlen(s));
	putc_unlocked('"', f);
}

void
json_str_part(FILE *f, const char *s, size_t n)
{
	const unsigned char *p, *run, *end = (const unsigned char *)s + n;
	char esc[8];
	size_t e, k;

	for (p = run = (const unsigned char *)s; p < end; p++) {
		if (!escape[*p])
			continue;
		if ((e = escape_at(p, (size_t)(end - p), &k, esc)) == 0) {
			p += k - 1; /* kept: part of the run */
			continue;
		}
		fwrite_unlocked(run, 1, (size_t)(p - run), f);
		fwrite_unlocked(esc, 1, e, f);
		p += k - 1;
		run = p + 1;
	}
	fwrite_unlocked(run, 1, (size_t)(p - run), f);
}

void
json_key(FILE *f, int *first, const char *key)
{
	if (!*first)
		fputc(',', f);
	*first = 0;
	json_str(f, key);
	fputc(':', f);
}

void
json_field(FILE *f, int *first, const char *key, const char *val)
{
	json_key(f, first, key);
	json_str(f, val);
}

void
json_field_bool(FILE *f, int *first, const char *key, int b)
{
	json_key(f, first, key);
	fputs(b ? "true" : "false", f);
}

void
json_strs(FILE *f, char *const *list, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		json_str(f, list[i]);
	}
	fputc(']', f);
}

/* --- the buffered writer ----------------------------------------------------- */

void
jw_init(struct jw *j, FILE *f)
{
	j->f = f;
	j->len = 0;
	j->depth = 0;
	j->comma = 0;
}

int
jw_flush(struct jw *j)
{
	if (j->len > 0 && fwrite(j->buf, 1, j->len, j->f) != j->len) {
		j->len = 0;
		return -1;
	}
	j->len = 0;
	return ferror(j->f) ? -1 : 0;
}

/* `n` bytes into the buffer (room made first). */
static inline void
put(struct jw *j, const char *s, size_t n)
{
	if (n > sizeof j->buf - j->len) {
		jw_flush(j);
		if (n > sizeof j->buf) {
			fwrite(s, 1, n, j->f);
			return;
		}
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

void
jw_raw(struct jw *j, const char *s, size_t n)
{
	put(j, s, n);
}

static inline void
put1(struct jw *j, char c)
{
	if (j->len == sizeof j->buf)
		jw_flush(j);
	j->buf[j->len++] = c;
}

/* Before a value: the comma, when one came before it at this depth. */
static inline void
sep(struct jw *j)
{
	uint64_t bit = (uint64_t)1 << j->depth;

	if (j->comma & bit)
		put1(j, ',');
	j->comma |= bit;
}

/* "s" for a string that needs no escape (the program's own words). */
static inline void
quoted(struct jw *j, const char *s, size_t n)
{
	if (n + 2 <= sizeof j->buf - j->len) {
		char *w = j->buf + j->len;

		w[0] = '"';
		memcpy(w + 1, s, n);
		w[n + 1] = '"';
		j->len += n + 2;
		return;
	}
	put1(j, '"');
	put(j, s, n);
	put1(j, '"');
}

void
jw_open(struct jw *j, char c)
{
	sep(j);
	put1(j, c);
	if (j->depth < JW_DEPTH)
		j->depth++;
	j->comma &= ~((uint64_t)1 << j->depth);
}

void
jw_close(struct jw *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	put1(j, c);
}

void
jw_key_slow(struct jw *j, const char *key, size_t n)
{
	sep(j);
	quoted(j, key, n);
	put1(j, ':');
	j->comma &= ~((uint64_t)1 << j->depth); /* the value adds none */
}

void
jw_str(struct jw *j, const char *s)
{
	const unsigned char *p, *run;
	char esc[8];
	size_t n, k;

	sep(j);
	if (s == NULL) {
		put(j, "null", 4);
		return;
	}
	n = strlen(s);
	if (plain_len(s, n) == n) { /* nothing to escape: the usual case */
		quoted(j, s, n);
		return;
	}
	put1(j, '"');
	for (p = run = (const unsigned char *)s; *p; p++) {
		if (!escape[*p])
			continue;
		if ((n = escape_at(p, 4, &k, esc)) == 0) {
			p += k - 1;
			continue;
		}
		put(j, (const char *)run, (size_t)(p - run));
		put(j, esc, n);
		p += k - 1;
		run = p + 1;
	}
	put(j, (const char *)run, (size_t)(p - run));
	put1(j, '"');
}

void
jw_word_n(struct jw *j, const char *w, size_t n)
{
	sep(j);
	quoted(j, w, n);
}

void
jw_bool(struct jw *j, int b)
{
	sep(j);
	if (b)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void
jw_int(struct jw *j, long long v)
{
	char d[24];
	size_t n = sizeof d;
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;

	sep(j);
	do {
		d[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		d[--n] = '-';
	put(j, d + n, sizeof d - n);
}
