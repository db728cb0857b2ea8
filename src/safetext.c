#include "config.h"

#include <stdio.h>
#include <string.h>

#include "safetext.h"
#include "xalloc.h"

/* The range a continuation byte must be in after lead byte `c` (the first
 * one; later ones are 0x80..0xBF), and how many bytes the sequence has:
 * UTF-8 as RFC 3629 defines it, without overlong forms or surrogates. */
static size_t
lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;
		else if (c == 0xed)
			*hi = 0x9f;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;
		else if (c == 0xf4)
			*hi = 0x8f;
		return 4;
	}
	return 0;
}

/* How many bytes of s[1..avail) continue the sequence led by s[0]. */
static size_t
continued(const unsigned char *s, size_t need, size_t avail)
{
	unsigned char lo, hi;
	size_t i;

	lead(s[0], &lo, &hi);
	for (i = 1; i < need && i < avail; i++) {
		if (s[i] < lo || s[i] > hi)
			break;
		lo = 0x80;
		hi = 0xbf;
	}
	return i;
}

size_t
safetext_next(const char *s, size_t len, long *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo, hi;
	size_t need;
	long v;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if ((need = lead(u[0], &lo, &hi)) == 0 || continued(u, need, len) != need) {
		*cp = -1;
		return 1;
	}
	v = u[0] & (0xff >> (need + 1));
	for (size_t i = 1; i < need; i++)
		v = (v << 6) | (u[i] & 0x3f);
	*cp = v;
	return need;
}

int
safetext_partial(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo, hi;
	size_t need = len > 0 ? lead(u[0], &lo, &hi) : 0;

	return need > len && continued(u, need, len) == len;
}

int
safetext_hidden(long cp, int keep_lines)
{
	if (cp < 0x20)
		return !(keep_lines && (cp == '\n' || cp == '\t'));
	return (cp >= 0x7f && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void
safetext_visible(long cp, unsigned char byte, char *buf)
{
	if (cp < 0)
		snprintf(buf, SAFETEXT_VISIBLE_MAX, "<0x%02X>", byte);
	else
		snprintf(buf, SAFETEXT_VISIBLE_MAX, "<U+%04X>", (unsigned)cp & 0x1fffff);
}

char *
safetext_dup(const char *s, int keep_lines)
{
	size_t len = strlen(s), cap = len + 1, n = 0;
	char *out = xmalloc(cap), vis[SAFETEXT_VISIBLE_MAX];

	while (len > 0) {
		long cp;
		size_t k = safetext_next(s, len, &cp), add = k;
		const char *from = s;

		if (cp < 0 || safetext_hidden(cp, keep_lines)) {
			safetext_visible(cp, (unsigned char)*s, vis);
			from = vis;
			add = strlen(vis);
		}
		if (n + add + 1 > cap) {
			cap = 2 * cap + add;
			out = xrealloc(out, cap);
		}
		memcpy(out + n, from, add);
		n += add;
		s += k;
		len -= k;
	}
	out[n] = '\0';
	return out;
}
