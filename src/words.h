/* words — the PGP word list (Juola and Zimmermann, 1995): each byte of a
 * fingerprint said as a word chosen to be distinct over a phone line.  Two
 * lists of 256 words: bytes at even positions (0, 2, ...) use the
 * two-syllable list, bytes at odd positions the three-syllable list, so a
 * skipped or doubled word shows up as a word from the wrong list.
 *
 * Mishearings.  A typed word that is in neither list is taken for the word
 * W only when all of these hold (words_lookup):
 *   - W is in the list of that position (even or odd),
 *   - the typed word is one edit (one letter inserted, removed or replaced;
 *     letters compared ignoring case) away from W,
 *   - no other word of either list is one edit away from it.
 * A typed word that is a word of either list is always taken as that word,
 * never corrected: a valid word for a different byte is a mismatch.  So a
 * single slip on a heard word can never turn into another word of the
 * lists, and a typed word that could be two words is refused. */
#ifndef PADSEAL_WORDS_H
#define PADSEAL_WORDS_H

#include <stddef.h>

#define WORDS_MAX_LEN     11 /* longest word ("belowground") */
#define WORDS_PER_GROUP   2  /* one spoken group = 2 bytes = 4 hex digits */
#define WORDS_GROUPED_LEN 640

/* The word for byte `b` at byte position `pos` of a fingerprint, spelled
 * as in the published list ("Algol", "aardvark"). */
const char *words_word(unsigned char b, size_t pos);

enum words_match {
	WORDS_EXACT,      /* a word of the position's list */
	WORDS_NEAR,       /* one edit from exactly one word, of that list */
	WORDS_OTHER_LIST, /* a word of the other list: a word skipped/doubled */
	WORDS_AMBIGUOUS,  /* one edit from several words */
	WORDS_UNKNOWN,    /* not a word, and not one edit from any */
};

/* Look up the `len` bytes at `tok` (any case) as the word at byte position
 * `pos`.  *byte is set for EXACT, NEAR and OTHER_LIST (the other list's
 * byte); for NEAR, *near (when not NULL) points to the word it was taken
 * for; for AMBIGUOUS, *near is one of the candidates. */
enum words_match words_lookup(const char *tok, size_t len, size_t pos, unsigned char *byte,
			      const char **near);

/* The fingerprint `d` (n bytes) as numbered groups of WORDS_PER_GROUP
 * words, the same groups fpr_grouped numbers (group k is hex group k).
 * Each group is its number right-aligned in two columns, a space, the even
 * word padded to 9 columns, a space and the odd word padded to 11; groups
 * on a line are separated by two spaces; 3 groups to a line (76 columns),
 * lines separated by "\n", no trailing spaces, no final newline:
 *
 *   " 1 preshrunk millionaire   2 ..."
 *
 * `len` is the size of `out`; WORDS_GROUPED_LEN is enough for any digest
 * of up to 32 bytes.  When `out` is too small the text stops after the last
 * whole group that fits; it is always NUL-terminated (len > 0). */
void words_grouped(const unsigned char *d, size_t n, char *out, size_t len);

#endif
