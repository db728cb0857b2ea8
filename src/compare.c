#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compare.h"
#include "xalloc.h"

/* Units are what one position of the typed text stands for: a hex digit
 * (0-15) or a word (a byte, 0-255).  A word from the wrong list is stored
 * as OTHER | byte, so it never equals an expected unit. */
#define UNITS_MAX 128 /* kept; more are only counted */
#define OTHER     0x100
#define HEX_GROUP FPR_GROUP_HEX
#define TOK_MAX   (WORDS_MAX_LEN + 2)

struct typed {
	int words;
	size_t n; /* units given (may exceed UNITS_MAX) */
	unsigned short v[UNITS_MAX];
	char tok[UNITS_MAX][TOK_MAX]; /* as typed, for messages */
};

static const char *const verdict_names[] = {
	"match", "differ", "short", "long", "unreadable",
};

const char *
cmp_verdict_name(enum cmp_verdict v)
{
	return verdict_names[v];
}

size_t
compare_n_groups(size_t n)
{
	return (2 * n + HEX_GROUP - 1) / HEX_GROUP;
}

/* ---- characters (ASCII only: no locale may change what a digit is) ---- */

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int
is_sep(int c, int words)
{
	return c != '\0' &&
	       (is_space(c) || strchr(":-.,;_/", c) != NULL || (words && strchr("()", c) != NULL));
}

static int
is_letter(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Value of a hex digit, the letter O read as zero (*o set), else -1. */
static int
hex_value(int c, int *o)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c == 'o' || c == 'O') {
		*o = 1;
		return 0;
	}
	return -1;
}

static int
looks_like_words(const char *s)
{
	for (; *s; s++) {
		int o = 0;

		if (is_letter((unsigned char)*s) && hex_value((unsigned char)*s, &o) < 0)
			return 1;
	}
	return 0;
}

/* ---- messages ---- */

static void say(struct cmp_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct cmp_result *r, const char *fmt, ...)
{
	size_t used = strlen(r->msg);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg + used, sizeof r->msg - used, fmt, ap);
	va_end(ap);
}

static void unreadable(struct cmp_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
unreadable(struct cmp_result *r, const char *fmt, ...)
{
	va_list ap;

	r->verdict = CMP_UNREADABLE;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof r->msg, fmt, ap);
	va_end(ap);
}

/* "group 16", "groups 15 and 16", "groups 10 to 16" (1-based a..b). */
static void
say_range(struct cmp_result *r, size_t a, size_t b)
{
	if (a == b)
		say(r, "group %zu", a);
	else
		say(r, "groups %zu %s %zu", a, b == a + 1 ? "and" : "to", b);
}

/* "3", "3 and 11", "3, 7 and 11" of the groups marked in differ[]. */
static void
say_groups(struct cmp_result *r)
{
	size_t k = 0, total = 0;

	for (size_t g = 0; g < r->n_groups; g++)
		total += r->differ[g] != 0;
	for (size_t g = 0; g < r->n_groups; g++) {
		if (!r->differ[g])
			continue;
		k++;
		say(r, "%s%zu", k == 1 ? "" : k == total ? " and " : ", ", g + 1);
	}
}

static void
add_unit(struct typed *t, unsigned v, const char *tok, size_t len)
{
	if (t->n < UNITS_MAX) {
		t->v[t->n] = (unsigned short)v;
		snprintf(t->tok[t->n], TOK_MAX, "%.*s", (int)len, tok);
	}
	t->n++;
}

/* ---- the hex form ---- */

/* The next whitespace-separated token of *p, or 0 at the end. */
static int
next_word(const char **p, const char **tok, size_t *len)
{
	while (is_space((unsigned char)**p))
		(*p)++;
	if (**p == '\0')
		return 0;
	*tok = *p;
	while (**p != '\0' && !is_space((unsigned char)**p))
		(*p)++;
	*len = (size_t)(*p - *tok);
	return 1;
}

/* Is tok the group number k ("3", "3.", "3:", "3)")? */
static int
is_number(const char *tok, size_t len, size_t k)
{
	size_t v = 0, i = 0;

	for (; i < len && is_digit((unsigned char)tok[i]) && i < 3; i++)
		v = v * 10 + (size_t)(tok[i] - '0');
	if (i == 0 || v != k)
		return 0;
	return i == len || (i + 1 == len && strchr(".:)", tok[i]) != NULL);
}

/* Exactly one group of hex digits (':' and '-' inside allowed)? */
static int
is_hex_group(const char *tok, size_t len)
{
	size_t digits = 0;
	int o = 0;

	for (size_t i = 0; i < len; i++) {
		if (tok[i] == ':' || tok[i] == '-')
			continue;
		if (hex_value((unsigned char)tok[i], &o) < 0)
			return 0;
		digits++;
	}
	return digits == HEX_GROUP;
}

/* The grouped form with its numbers, "1 9781  2 501A ...": every group of
 * exactly 4 digits preceded by its number from 1 on, at least two groups.
 * Returns the text with the numbers blanked out in `out`, or 0. */
static int
strip_numbers(const char *s, char *out, size_t outlen)
{
	const char *p = s, *tok;
	size_t len, i = 0;

	if (strlen(s) >= outlen)
		return 0;
	memcpy(out, s, strlen(s) + 1);
	for (; next_word(&p, &tok, &len); i++) {
		if (i % 2 == 0 && !is_number(tok, len, i / 2 + 1))
			return 0;
		if (i % 2 == 1 && !is_hex_group(tok, len))
			return 0;
		if (i % 2 == 0)
			memset(out + (tok - s), ' ', len);
	}
	return i >= 4 && i % 2 == 0;
}

static void
parse_hex(const char *s, struct typed *t, struct cmp_result *r)
{
	char plain[1024];
	const char *p = strip_numbers(s, plain, sizeof plain) ? plain : s;

	for (; *p; p++) {
		int c = (unsigned char)*p, v;

		if (is_sep(c, 0))
			continue;
		if ((v = hex_value(c, &r->zero_as_o)) < 0) {
			if (c > ' ' && c < 0x7f)
				unreadable(r,
					   "the text has \"%c\", which is neither "
					   "a hex digit nor a separator: type the "
					   "fingerprint as you hear it, in hex "
					   "digits or in words",
					   c);
			else
				unreadable(r, "the text has a character that is "
					      "neither a hex digit nor a separator: "
					      "type the fingerprint as you hear it, "
					      "in hex digits or in words");
			return;
		}
		add_unit(t, (unsigned)v, &"0123456789ABCDEF"[v], 1);
	}
}

/* ---- the word form ---- */

/* The next token of the word form: *kind 'w' letters, 'n' digits, '?'
 * anything else.  Returns 0 at the end. */
static int
next_token(const char **p, const char **tok, size_t *len, int *kind)
{
	int letters = 0, digits = 0, other = 0;

	while (is_sep((unsigned char)**p, 1))
		(*p)++;
	if (**p == '\0')
		return 0;
	*tok = *p;
	for (; **p != '\0' && !is_sep((unsigned char)**p, 1); (*p)++) {
		int c = (unsigned char)**p;

		letters += is_letter(c);
		digits += is_digit(c);
		other += !is_letter(c) && !is_digit(c);
	}
	*len = (size_t)(*p - *tok);
	*kind = other || (letters && digits) ? '?' : letters ? 'w' : 'n';
	return 1;
}

/* One word at position t->n (0-based).  Returns 0, or -1 (unreadable). */
static int
take_word(const char *tok, size_t len, struct typed *t, struct cmp_result *r)
{
	const char *near = NULL;
	unsigned char b = 0;
	size_t pos = t->n;

	switch (words_lookup(tok, len, pos, &b, &near)) {
	case WORDS_EXACT: add_unit(t, b, tok, len); return 0;
	case WORDS_NEAR:
		if (r->n_near < CMP_NEAR_MAX) {
			struct cmp_near *m = &r->near[r->n_near++];

			m->word = pos + 1;
			snprintf(m->typed, sizeof m->typed, "%.*s", (int)len, tok);
			m->taken_for = near;
		}
		add_unit(t, b, tok, len);
		return 0;
	case WORDS_OTHER_LIST:
		if (r->other_list == 0)
			r->other_list = pos + 1;
		add_unit(t, OTHER | b, tok, len);
		return 0;
	case WORDS_AMBIGUOUS:
		unreadable(r,
			   "word %zu, \"%.*s\", is not in the PGP word list "
			   "and is one letter away from more than one word "
			   "(\"%s\" is one): ask for it again",
			   pos + 1, (int)(len > 40 ? 40 : len), tok, near);
		return -1;
	default:
		unreadable(r,
			   "word %zu, \"%.*s\", is not in the PGP word list: "
			   "ask for it again, or compare the hex digits",
			   pos + 1, (int)(len > 40 ? 40 : len), tok);
		return -1;
	}
}

static void
parse_words(const char *s, struct typed *t, struct cmp_result *r)
{
	const char *p = s, *tok;
	size_t len;
	int kind, numbered = -1, prev_number = 0;

	t->words = 1;
	while (next_token(&p, &tok, &len, &kind)) {
		if (numbered < 0)
			numbered = kind == 'n';
		if (kind == '?') {
			unreadable(r,
				   "\"%.*s\" is neither a word of the PGP word "
				   "list nor a group number",
				   (int)(len > 40 ? 40 : len), tok);
			return;
		}
		if (kind == 'n') {
			/* Numbers only as the grouped form prints them: each
			 * group's number right before its first word. */
			if (!numbered || prev_number || t->n % WORDS_PER_GROUP ||
			    !is_number(tok, len, t->n / WORDS_PER_GROUP + 1)) {
				unreadable(r, "the text mixes numbers with the words "
					      "in a way padseal cannot follow: type "
					      "the words only, or each group's "
					      "number before its words");
				return;
			}
			prev_number = 1;
			continue;
		}
		if (numbered && t->n % WORDS_PER_GROUP == 0 && !prev_number) {
			unreadable(r,
				   "group %zu has no number before it while "
				   "the others have: type the words only, or "
				   "each group's number before its words",
				   t->n / WORDS_PER_GROUP + 1);
			return;
		}
		prev_number = 0;
		if (take_word(tok, len, t, r) != 0)
			return;
	}
}

/* A leading "SHA256 Fingerprint=" (as openssl prints it), "SHA-1:", ...:
 * skipped, and it chooses the algorithm when none was asked for. */
static const char *
strip_label(const char *s, enum cmp_want *want)
{
	const char *p = s;
	enum cmp_want w;

	while (is_space((unsigned char)*p))
		p++;
	if (strncasecmp(p, "sha", 3) != 0)
		return s;
	p += 3;
	if (*p == '-' || *p == ' ')
		p++;
	if (strncmp(p, "256", 3) == 0) {
		w = CMP_WANT_SHA256;
		p += 3;
	} else if (*p == '1') {
		w = CMP_WANT_SHA1;
		p++;
	} else {
		return s;
	}
	while (is_space((unsigned char)*p))
		p++;
	if (strncasecmp(p, "fingerprint", 11) == 0)
		p += 11;
	while (is_space((unsigned char)*p))
		p++;
	if (*p == '=' || *p == ':')
		p++;
	if (*want == CMP_AUTO)
		*want = w;
	return p;
}

/* ---- comparing ---- */

/* The certificate's units: hex digits, or bytes for the word form. */
static size_t
expected_units(const unsigned char *d, size_t n, int words, unsigned short *e)
{
	for (size_t i = 0; i < n; i++) {
		if (words) {
			e[i] = d[i];
		} else {
			e[2 * i] = d[i] >> 4;
			e[2 * i + 1] = d[i] & 0x0f;
		}
	}
	return words ? n : 2 * n;
}

/* Units typed that agree with e[0..m) position by position. */
static size_t
agreement(const struct typed *t, const unsigned short *e, size_t m)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n && i < m && i < UNITS_MAX; i++)
		k += t->v[i] == e[i];
	return k;
}

static int
equal_units(const struct typed *t, const unsigned short *e, size_t m)
{
	return t->n == m && agreement(t, e, m) == m;
}

/* "4751" or "tracker pandemic": group g of units u[0..m). */
static void
group_text(char *out, size_t len, size_t g, size_t gs, size_t m, const unsigned short *u,
	   const struct typed *t, size_t first_pos)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = g * gs; i < (g + 1) * gs && i < m; i++) {
		const char *s = t != NULL ? t->tok[i] : NULL;
		char hex[2] = {0, 0};

		if (s == NULL && gs == HEX_GROUP) {
			hex[0] = "0123456789ABCDEF"[u[i]];
			s = hex;
		} else if (s == NULL) {
			s = words_word((unsigned char)u[i], first_pos + i);
		}
		used += (size_t)snprintf(out + used, len - used, "%s%s",
					 gs == HEX_GROUP || i == g * gs ? "" : " ", s);
		if (used >= len)
			break;
	}
}

static const char *
alg_name(const struct cmp_result *r)
{
	return r->alg == FPR_SHA1 ? "SHA-1" : "SHA-256";
}

static const char *
unit_name(const struct cmp_result *r)
{
	return r->words ? "words" : "hex digits";
}

/* "you heard 4751, the certificate has 4715" for each differing group. */
static void
say_differences(struct cmp_result *r)
{
	size_t k = 0, total = 0;
	const char *q = r->words ? "\"" : "";

	for (size_t g = 0; g < r->n_groups; g++)
		total += r->differ[g] != 0;
	if (total == 2 && r->swapped) {
		say(r, "groups ");
		say_groups(r);
		say(r, " differ: they are swapped");
		for (size_t g = 0; g < r->n_groups; g++)
			if (r->differ[g])
				say(r, "%s%s%s%s", k++ ? ", " : " (you heard ", q, r->heard[g], q);
		say(r, " in that order)");
		return;
	}
	if (total > 4) {
		say(r, "%zu of the %zu groups differ (", total, r->n_groups);
		say_groups(r);
		say(r, "): this is not the certificate you were read");
		return;
	}
	say(r, "%s ", total == 1 ? "group" : "groups");
	say_groups(r);
	say(r, " %s", total == 1 ? "differs" : "differ");
	for (size_t g = 0; g < r->n_groups; g++) {
		if (!r->differ[g])
			continue;
		say(r, "%s", k++ ? "; " : ": ");
		if (total > 1)
			say(r, "in group %zu ", g + 1);
		say(r, "you heard %s%s%s, the certificate has %s%s%s", q, r->heard[g], q, q,
		    r->has[g], q);
	}
}

static void
verdict_same_length(struct cmp_result *r, const struct typed *t, const unsigned short *e, size_t gs)
{
	size_t ndiff = 0, a = 0, b = 0;

	for (size_t g = 0; g < r->n_groups; g++) {
		for (size_t i = g * gs; i < (g + 1) * gs && i < r->want; i++)
			r->differ[g] |= t->v[i] != e[i];
		if (!r->differ[g])
			continue;
		if (ndiff++ == 0)
			a = g;
		b = g;
	}
	if (ndiff == 0) {
		r->verdict = CMP_MATCH;
		return;
	}
	r->verdict = CMP_DIFFER;
	for (size_t g = 0; g < r->n_groups; g++) {
		group_text(r->heard[g], sizeof r->heard[g], g, gs, r->want, t->v, t, 0);
		group_text(r->has[g], sizeof r->has[g], g, gs, r->want, e, NULL, 0);
	}
	if (ndiff == 2) {
		int swapped = 1;

		for (size_t i = 0; i < gs; i++)
			swapped &= t->v[a * gs + i] == e[b * gs + i] &&
				   t->v[b * gs + i] == e[a * gs + i];
		r->swapped = swapped;
	}
	say_differences(r);
}

/* Fewer or more units than the fingerprint has: where is the gap? */
static void
verdict_length(struct cmp_result *r, const struct typed *t, const unsigned short *e, size_t gs)
{
	size_t n = t->n, m = r->want, kept = n < UNITS_MAX ? n : UNITS_MAX;
	size_t p = 0, s = 0, lo = n < m ? n : m;

	while (p < kept && p < m && t->v[p] == e[p])
		p++;
	/* After a skipped or doubled word the rest comes from the wrong list;
	 * for finding the gap (never for matching) its bytes still count. */
	while (n <= UNITS_MAX && s < lo - p && (t->v[n - 1 - s] & ~OTHER) == e[m - 1 - s])
		s++;
	r->verdict = n < m ? CMP_SHORT : CMP_LONG;
	if (n < m)
		say(r, "you gave %zu of the %zu %s of the %s fingerprint", n, m, unit_name(r),
		    alg_name(r));
	else
		say(r,
		    "you gave %zu %s, %zu more than the %zu of the %s "
		    "fingerprint",
		    n, unit_name(r), n - m, m, alg_name(r));
	if (n < m && p == n) {
		size_t a = n / gs;

		for (size_t g = a; g < r->n_groups; g++)
			r->differ[g] = 1;
		say(r, ", and they are its start: ");
		if (n % gs) {
			say(r, "group %zu is incomplete", a + 1);
			if (a + 1 < r->n_groups)
				say(r, " and "), say_range(r, a + 2, r->n_groups),
					say(r, " %s missing", a + 2 == r->n_groups ? "is" : "are");
		} else {
			say_range(r, a + 1, r->n_groups);
			say(r, " %s missing", a + 1 == r->n_groups ? "is" : "are");
		}
		say(r, " (a part of a fingerprint is never a match)");
	} else if (n < m && p + s >= n) {
		size_t a = p / gs, b = (p + (m - n) - 1) / gs;

		for (size_t g = a; g <= b; g++)
			r->differ[g] = 1;
		say(r, ": the rest agrees, but %zu %s missing in ", m - n,
		    m - n == 1 ? "is" : "are");
		say_range(r, a + 1, b + 1);
	} else if (n > m && p == m) {
		say(r,
		    ": the first %zu are its fingerprint, and the rest is "
		    "extra",
		    m);
	} else if (n > m && p + s >= m) {
		r->differ[p / gs] = 1;
		say(r, ": the rest agrees, but group %zu has %zu extra", p / gs + 1, n - m);
	} else {
		for (size_t g = p / gs; g < r->n_groups; g++)
			r->differ[g] = 1;
		say(r,
		    ", and from group %zu on they differ from the "
		    "certificate's",
		    p / gs + 1);
	}
}

static void
say_notes(struct cmp_result *r)
{
	/* Words 1, 3, 5, ... are two-syllable words, 2, 4, 6, ... three. */
	if (r->other_list && r->verdict != CMP_MATCH)
		say(r,
		    ". Word %zu is a %s word where a %s one belongs: a word "
		    "was probably skipped or said twice",
		    r->other_list, r->other_list % 2 ? "three-syllable" : "two-syllable",
		    r->other_list % 2 ? "two-syllable" : "three-syllable");
	for (size_t i = 0; i < r->n_near; i++)
		say(r,
		    "%s\"%s\" was taken for \"%s\" (one letter off, and no "
		    "other word is that close)",
		    i ? "; " : ". ", r->near[i].typed, r->near[i].taken_for);
	if (r->zero_as_o)
		say(r, ". The letter O was read as zero");
}

void
compare_text(const unsigned char *sha256, const unsigned char *sha1, const char *text,
	     enum cmp_want want, struct cmp_result *r)
{
	unsigned short e256[64], e1[40];
	struct typed *t = xcalloc(1, sizeof *t);
	size_t m256, m1, gs;
	const unsigned short *e;

	memset(r, 0, sizeof *r);
	text = strip_label(text, &want);
	if (looks_like_words(text))
		parse_words(text, t, r);
	else
		parse_hex(text, t, r);
	r->words = t->words;
	if (r->verdict == CMP_UNREADABLE)
		goto out;
	if (t->n == 0) {
		unreadable(r, "the text is empty: type the fingerprint as you "
			      "hear it, in hex digits or in words");
		goto out;
	}
	m256 = expected_units(sha256, 32, t->words, e256);
	m1 = expected_units(sha1, 20, t->words, e1);
	/* Unasked, the length decides; an odd length goes to the one it
	 * agrees with more (SHA-256 on a tie). */
	if (want == CMP_AUTO && t->n == m1)
		want = CMP_WANT_SHA1;
	else if (want == CMP_AUTO && t->n != m256 &&
		 agreement(t, e1, m1) > agreement(t, e256, m256))
		want = CMP_WANT_SHA1;
	r->alg = want == CMP_WANT_SHA1 ? FPR_SHA1 : FPR_SHA256;
	e = r->alg == FPR_SHA1 ? e1 : e256;
	r->want = r->alg == FPR_SHA1 ? m1 : m256;
	r->given = t->n;
	gs = t->words ? WORDS_PER_GROUP : HEX_GROUP;
	r->n_groups = compare_n_groups(r->alg == FPR_SHA1 ? 20 : 32);
	if (t->n == r->want)
		verdict_same_length(r, t, e, gs);
	else
		verdict_length(r, t, e, gs);
	if (r->verdict == CMP_MATCH) {
		say(r, "the %s fingerprint matches: all %zu groups agree", alg_name(r),
		    r->n_groups);
		if (r->alg == FPR_SHA1)
			say(r, " (SHA-1 is the legacy form older clients show; "
			       "the SHA-256 fingerprint is the stronger check)");
	} else if (equal_units(t, r->alg == FPR_SHA1 ? e256 : e1, r->alg == FPR_SHA1 ? m256 : m1)) {
		r->other_alg = 1;
		say(r,
		    ". What you gave is the certificate's %s fingerprint, but "
		    "its %s fingerprint was asked for",
		    r->alg == FPR_SHA1 ? "SHA-256" : "SHA-1", alg_name(r));
	}
	say_notes(r);
out:
	free(t);
}

/* ---- one group at a time (the wizard) ---- */

static enum cmp_group
group_hex(const unsigned char *d, size_t nb, const char *typed)
{
	unsigned short e[2 * WORDS_PER_GROUP];
	size_t m = expected_units(d, nb, 0, e), k = 0;
	int o = 0;

	for (const char *p = typed; *p; p++) {
		int c = (unsigned char)*p, v;

		if (is_sep(c, 0))
			continue;
		if ((v = hex_value(c, &o)) < 0 || k >= m || (unsigned)v != e[k])
			return CMP_GROUP_WRONG;
		k++;
	}
	return k == m ? CMP_GROUP_RIGHT : CMP_GROUP_INCOMPLETE;
}

static enum cmp_group
group_words(const unsigned char *d, size_t nb, size_t first, const char *typed)
{
	const char *p = typed, *tok;
	size_t len, i = 0;
	int kind;

	for (; next_token(&p, &tok, &len, &kind); i++) {
		const char *want, *near = NULL;
		unsigned char b = 0;
		enum words_match m;

		if (i >= nb || kind != 'w')
			return CMP_GROUP_WRONG;
		want = words_word(d[i], first + i);
		/* Still being typed: the last token, nothing after it. */
		if (*p == '\0' && len < strlen(want) && strncasecmp(tok, want, len) == 0)
			return CMP_GROUP_INCOMPLETE;
		m = words_lookup(tok, len, first + i, &b, &near);
		if ((m != WORDS_EXACT && m != WORDS_NEAR) || b != d[i])
			return CMP_GROUP_WRONG;
	}
	return i == nb ? CMP_GROUP_RIGHT : CMP_GROUP_INCOMPLETE;
}

enum cmp_group
compare_group(const unsigned char *d, size_t n, size_t g, const char *typed, enum cmp_form form)
{
	size_t first = g * WORDS_PER_GROUP, nb;

	if (first >= n)
		return CMP_GROUP_WRONG;
	nb = n - first < WORDS_PER_GROUP ? n - first : WORDS_PER_GROUP;
	if (form == CMP_FORM_WORDS || (form == CMP_FORM_AUTO && looks_like_words(typed)))
		return group_words(d + first, nb, first, typed);
	return group_hex(d + first, nb, typed);
}
