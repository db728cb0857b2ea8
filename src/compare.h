/* compare — does a fingerprint as a person typed it while listening match
 * the certificate's?  The command line (`compare`) checks a whole
 * fingerprint; the wizard's side-by-side screen checks one group at a time
 * as it is typed.  Both use the groups fpr_grouped numbers: 4 hex digits,
 * or 2 words of the PGP word list, per group.
 *
 * What is accepted (compare_text):
 *   - hex digits in any case, with or without separators (spaces, tabs,
 *     newlines, ':', '-', '.', ',', ';', '_', '/'), in any chunking; the
 *     letter O is read as the digit zero (a common way to say it, and it
 *     cannot mean anything else);
 *   - the grouped form with its numbers ("1 9781  2 501A ..."), when every
 *     group of exactly 4 digits is preceded by its number, from 1 on;
 *   - a leading label "SHA256", "SHA-256", "SHA1", "SHA-1" (optionally
 *     followed by "Fingerprint" and '=' or ':'), as openssl prints it; it
 *     chooses the fingerprint compared with when none was asked for;
 *   - the word form: words in any case separated by spaces, dashes,
 *     commas (or the separators above), optionally with group numbers
 *     before every group; mishearings as words.h describes.
 * The text is the word form when it contains a letter other than A-F and
 * O; no word of the list is made of those letters only.
 *
 * Which fingerprint: the one asked for; else 40 hex digits (20 words) mean
 * SHA-1 and 64 (32) SHA-256; any other length is compared with the one it
 * agrees with more, SHA-256 on a tie.  Only the exact full fingerprint is a
 * match: a prefix, a near-miss or the other algorithm's fingerprint is not.
 * Nothing here fails: unreadable text is a verdict with a sentence. */
#ifndef PADSEAL_COMPARE_H
#define PADSEAL_COMPARE_H

#include <stddef.h>

#include "fpr.h"
#include "words.h"

#define CMP_GROUPS_MAX (FPR_MAX * 2 / FPR_GROUP_HEX) /* 16 */
#define CMP_NEAR_MAX   8

enum cmp_want { CMP_AUTO, CMP_WANT_SHA256, CMP_WANT_SHA1 };

enum cmp_verdict {
	CMP_MATCH,      /* exactly the certificate's fingerprint */
	CMP_DIFFER,     /* the right length; the groups in differ[] differ */
	CMP_SHORT,      /* fewer digits (words) than the fingerprint has */
	CMP_LONG,       /* more */
	CMP_UNREADABLE, /* empty, garbage, unknown or ambiguous words */
};

struct cmp_near {
	size_t word; /* 1-based position of the typed word */
	char typed[WORDS_MAX_LEN + 2];
	const char *taken_for; /* the word of the list it was taken as */
};

struct cmp_result {
	enum cmp_verdict verdict;
	enum fpr_alg alg;           /* the fingerprint compared with */
	int words;                  /* the text was in the word form */
	size_t given, want;         /* hex digits (words) given and needed */
	size_t n_groups;            /* groups of that fingerprint (16 or 10) */
	int differ[CMP_GROUPS_MAX]; /* per group: differs, missing or extra */
	/* CMP_DIFFER: what was typed and what the certificate has, per group
	 * ("4751", or "tracker pandemic"). */
	char heard[CMP_GROUPS_MAX][2 * (WORDS_MAX_LEN + 2)];
	char has[CMP_GROUPS_MAX][2 * (WORDS_MAX_LEN + 2)];
	int swapped;                        /* CMP_DIFFER: two groups, swapped */
	int other_alg;                      /* the text is exactly the fingerprint of
					       the other algorithm */
	int zero_as_o;                      /* a letter O was read as zero */
	struct cmp_near near[CMP_NEAR_MAX]; /* mishearings accepted */
	size_t n_near;
	size_t other_list; /* 1-based position of the first word from
			      the wrong list (skipped/doubled), or 0 */
	char msg[1024];    /* for a person: the verdict and why */
};

/* Compare `text` with the certificate whose fingerprints are sha256 (32
 * bytes) and sha1 (20 bytes). */
void compare_text(const unsigned char *sha256, const unsigned char *sha1, const char *text,
		  enum cmp_want want, struct cmp_result *r);

/* Number of groups of an n-byte fingerprint. */
size_t compare_n_groups(size_t n);

enum cmp_form {
	CMP_FORM_AUTO, /* words when a letter other than A-F and O appears */
	CMP_FORM_HEX,
	CMP_FORM_WORDS, /* a screen that asked for words: "a", "ab" are words
			   being typed, not hex digits */
};

enum cmp_group {
	CMP_GROUP_RIGHT,      /* the whole group, exactly */
	CMP_GROUP_WRONG,      /* a digit/word differs, too much, or garbage */
	CMP_GROUP_INCOMPLETE, /* right so far, more to type (or nothing yet) */
};

/* Group `g` (0-based; shown as g + 1) of the n-byte fingerprint `d`
 * against what was typed for it so far: its 4 hex digits (separators,
 * case and O as above) or its 2 words.  A word being typed (the last one,
 * not followed by a separator) that starts the expected word is
 * incomplete; a finished word is looked up with the mishearing rule of
 * words.h.  Nothing typed yet (or only separators) is incomplete. */
enum cmp_group compare_group(const unsigned char *d, size_t n, size_t g, const char *typed,
			     enum cmp_form form);

const char *cmp_verdict_name(enum cmp_verdict v); /* "match", "differ", ... */

#endif
